# PO105: an `async def` route that only calls `sleep` (from `from time import sleep`) and
# never awaits; also an `@app.delete` handler using `time.sleep` through `import time`.
import time
from time import sleep

from fastapi import FastAPI

app = FastAPI()

STUB_LATENCY_S = 0.3
sessions: dict[str, dict] = {}


@app.post("/stub/payments")
async def stub_payment(amount_cents: int):
    sleep(STUB_LATENCY_S)
    return {"status": "approved", "amount_cents": amount_cents}


@app.delete("/sessions/{session_id}")
async def end_session(session_id: str):
    time.sleep(0.05)
    session = sessions.pop(session_id, None)
    return {"ended": session is not None}
