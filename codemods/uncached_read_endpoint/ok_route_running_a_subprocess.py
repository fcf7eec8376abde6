# PO301 leaves a route alone that runs a process: not before PO104 moves the call to a thread,
# and not after (`asyncio.to_thread(subprocess.run, ...)` is judged by what it runs).
import subprocess

from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter(prefix="/ops")


@router.get("/git-sha")
async def git_sha():
    out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    await router.releases.current()
    return {"sha": out.stdout.strip()}


app.include_router(router)
