# PO104: `subprocess.Popen` in an async handler: reported without a fix (the process
# outlives the call; the blocking happens where its pipes are read).
import subprocess

from fastapi import FastAPI

app = FastAPI()


@app.post("/admin/reindex")
async def reindex(index: str = "products"):
    await app.state.search.mark_reindexing(index)
    proc = subprocess.Popen(
        ["python", "-m", "app.jobs.reindex", "--index", index],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    first_line = proc.stdout.readline().strip()
    return {"index": index, "pid": proc.pid, "started": first_line}
