# PO103 ok: `Path.read_text()` in a default argument runs at import time, once, not in
# the coroutine.
import asyncio
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()

BANNER_FILE = Path("/srv/app/banner.txt")


async def greet(
    name: str,
    banner: str = BANNER_FILE.read_text(encoding="utf-8"),
    motd: str = Path("/etc/motd").read_text(),
) -> str:
    await asyncio.sleep(0)
    return f"{banner}\n{motd}\nHello, {name}!"


@app.get("/greeting/{name}")
async def greeting(name: str):
    return {"text": await greet(name)}
