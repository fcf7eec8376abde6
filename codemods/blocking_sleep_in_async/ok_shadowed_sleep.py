# PO102 ok: `sleep` rebound to an async helper, a parameter named `time`, and a local
# `sleep` function: none of these is `time.sleep`.
import asyncio
from time import sleep

from fastapi import FastAPI

app = FastAPI()


async def jittered_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds * 1.1)


sleep = jittered_sleep


async def tick(time, ticks: int = 3) -> int:
    """`time` is a fake clock injected by the tests."""
    for _ in range(ticks):
        time.sleep(0.01)
    return ticks


@app.post("/queue/backoff")
async def backoff(attempt: int = 0):
    await sleep(0.1 * 2**attempt)
    return {"attempt": attempt + 1}
