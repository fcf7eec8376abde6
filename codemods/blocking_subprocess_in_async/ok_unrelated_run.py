# PO104 ok: `.run` on a task runner and a dict, `os.environ.get` and `os.path.join`
# are not subprocess calls.
import os

from fastapi import FastAPI

app = FastAPI()

JOBS = {"reindex": "app.jobs.reindex", "cleanup": "app.jobs.cleanup"}


@app.post("/jobs/{name}")
async def run_job(name: str):
    module = JOBS.get(name)
    if module is None:
        return {"queued": False}
    queue = os.environ.get("JOB_QUEUE", "default")
    log_path = os.path.join("/var/log/shop", f"{name}.log")
    job = await app.state.task_runner.run(module, queue=queue, log=log_path)
    return {"queued": True, "job_id": job.id}
