# PO105: the handler is also registered a second time with `router.add_api_route(...)`: a
# registration, not a call, so dropping `async` is still safe (FastAPI runs either kind).
import subprocess

from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter(prefix="/ops")


@router.get("/git-sha")
async def git_sha():
    out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    return {"sha": out.stdout.strip()}


# Kept for the old monitoring probes that still call the un-prefixed path.
router.add_api_route("/legacy-git-sha", git_sha, methods=["GET"])
app.include_router(router)
