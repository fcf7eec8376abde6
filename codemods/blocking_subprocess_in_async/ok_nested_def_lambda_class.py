# PO104 ok: `subprocess.run`/`os.system` only in a nested plain `def` run in a thread, a
# `lambda` and a class body defined in an async function.
import asyncio
import os
import subprocess

from fastapi import FastAPI

app = FastAPI()


@app.post("/admin/backup")
async def backup(database: str = "shop"):
    def dump() -> int:
        target = f"/var/backups/{database}.sql"
        return subprocess.run(["pg_dump", "-f", target, database], timeout=600).returncode

    code = await asyncio.to_thread(dump)
    notify = lambda: os.system("logger backup finished")
    await asyncio.to_thread(notify)
    return {"database": database, "exit_code": code}


async def detect_tools():
    class Tools:
        has_ffmpeg = subprocess.call(["which", "ffmpeg"]) == 0

    await asyncio.sleep(0)
    return Tools
