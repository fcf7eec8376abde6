# PO104 ok: the version endpoint written correctly with `asyncio.create_subprocess_exec`
# and `asyncio.to_thread(subprocess.run, ...)`.
import asyncio
import subprocess

from fastapi import APIRouter

router = APIRouter(prefix="/admin")


@router.get("/version")
async def version():
    proc = await asyncio.create_subprocess_exec(
        "git", "rev-parse", "--short", "HEAD",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await proc.communicate()
    return {"commit": stdout.decode().strip()}


@router.get("/disk")
async def disk():
    out = await asyncio.to_thread(subprocess.run, ["df", "-h", "/"], capture_output=True, text=True)
    return {"df": out.stdout}
