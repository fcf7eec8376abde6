# PO102 ok: `.sleep` on objects that are not the `time` module (anyio, an injected
# clock, a device driver) and other `time` functions.
import time

import anyio
from fastapi import FastAPI

app = FastAPI()


class FakeClock:
    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


clock = FakeClock()


@app.post("/scheduler/tick")
async def scheduler_tick():
    started = time.perf_counter()
    await anyio.sleep(0.01)
    await clock.sleep(0.01)
    app.state.display.sleep()
    now = time.time()
    return {"at": now, "took": time.perf_counter() - started}
