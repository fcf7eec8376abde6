# PO102: polling an async job store with `time.sleep` between polls; the sleep sits in a
# `while` inside `try`/`finally` and in an `else` branch.
import time

from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/jobs")

POLL_INTERVAL_S = 0.5
TIMEOUT_S = 30


@router.post("/{job_id}/wait")
async def wait_for_job(job_id: str):
    deadline = time.monotonic() + TIMEOUT_S
    await router.jobs.subscribe(job_id)
    try:
        while time.monotonic() < deadline:
            job = await router.jobs.get(job_id)
            if job.state in ("done", "failed"):
                return {"job_id": job_id, "state": job.state, "result": job.result}
            else:
                time.sleep(POLL_INTERVAL_S)
    finally:
        await router.jobs.unsubscribe(job_id)
    raise HTTPException(status_code=504, detail="job did not finish in time")
