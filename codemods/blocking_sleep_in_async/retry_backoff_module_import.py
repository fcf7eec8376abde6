# PO102: `time.sleep` back-off in a retry loop inside an async route handler
# (plain `import time`, which is also used for `time.monotonic`).
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
            return {
                "payment_id": payment_id,
                "attempts": attempt + 1,
                "elapsed_s": round(time.monotonic() - started, 3),
            }
        if result.status != "busy":
            raise HTTPException(status_code=402, detail=result.reason)
        time.sleep(0.25 * 2**attempt)
    raise HTTPException(status_code=503, detail="gateway busy, try again later")
