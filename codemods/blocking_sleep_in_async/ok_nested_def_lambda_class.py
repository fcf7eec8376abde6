# PO102 ok: `time.sleep` only in a nested plain `def` run in a thread, in a `lambda`
# and in a class body defined inside an async function.
import asyncio
import time

from fastapi import FastAPI

app = FastAPI()


@app.post("/devices/{device_id}/reboot")
async def reboot_device(device_id: str):
    def power_cycle() -> str:
        app.state.pdu.off(device_id)
        time.sleep(3)
        app.state.pdu.on(device_id)
        return "cycled"

    status = await asyncio.to_thread(power_cycle)
    settle = lambda: time.sleep(0.5)
    await asyncio.to_thread(settle)
    return {"device": device_id, "status": status}


async def make_throttle(rate_s: float):
    class Throttle:
        delay = rate_s
        time.sleep(0)

        def wait(self) -> None:
            time.sleep(self.delay)

    await asyncio.sleep(0)
    return Throttle()
