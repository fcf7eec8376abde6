# PO102 ok: `time.sleep` in a default argument runs once, when the module is imported,
# not while the coroutine runs.
import asyncio
import time

from fastapi import APIRouter

router = APIRouter(prefix="/maintenance")


async def wait_for_replica(
    replica: str,
    poll_s: float = 1.0,
    _startup_delay: None = time.sleep(0.01),
) -> bool:
    for _ in range(10):
        if await router.replicas.in_sync(replica):
            return True
        await asyncio.sleep(poll_s)
    return False


@router.post("/replicas/{replica}/wait")
async def wait_replica(replica: str):
    return {"replica": replica, "in_sync": await wait_for_replica(replica)}
