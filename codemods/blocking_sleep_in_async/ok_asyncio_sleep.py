# PO102 ok: the retry back-off written correctly with `await asyncio.sleep`.
import asyncio
import time

from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/payments")

MAX_ATTEMPTS = 4


@router.post("/{payment_id}/capture")
async def capture(payment_id: str):
    started = time.monotonic()
    for attempt in range(MAX_ATTEMPTS):
        result = await router.gateway.capture(payment_id)
        if result.status == "captured":
            return {"attempts": attempt + 1, "elapsed_s": time.monotonic() - started}
        if result.status != "busy":
            raise HTTPException(status_code=402, detail=result.reason)
        await asyncio.sleep(0.25 * 2**attempt)
    raise HTTPException(status_code=503, detail="gateway busy, try again later")


@router.post("/{payment_id}/settle")
async def settle(payment_id: str):
    await asyncio.to_thread(time.sleep, 0.1)
    return {"settled": await router.gateway.settle(payment_id)}
