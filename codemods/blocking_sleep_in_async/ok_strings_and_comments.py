# PO102 ok: `time.sleep(` only appears in strings, a docstring and comments.
import asyncio

from fastapi import APIRouter

router = APIRouter(prefix="/lint")

HINT = "Never call time.sleep(1) inside async def; use await asyncio.sleep(1)."


@router.get("/hints/sleep")
async def sleep_hint():
    """Shows why `time.sleep(...)` is wrong in a coroutine."""
    # before: time.sleep(0.5)
    await asyncio.sleep(0)
    example = "time.sleep(0.5)  # blocks every request on this worker"
    return {
        "hint": HINT,
        "bad": example,
        "good": "await asyncio.sleep(0.5)",
    }
