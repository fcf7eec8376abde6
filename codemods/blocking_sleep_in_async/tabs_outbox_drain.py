# PO102: tab-indented module; `time.sleep` in a nested block of an async consumer loop.
import time

from fastapi import FastAPI

app = FastAPI()

IDLE_SLEEP_S = 2


async def drain_outbox(limit: int = 100) -> int:
	sent = 0
	while sent < limit:
		message = await app.state.outbox.pop()
		if message is None:
			time.sleep(IDLE_SLEEP_S)
			continue
		await app.state.mailer.send(message)
		sent += 1
	return sent


@app.post("/outbox/drain")
async def drain(limit: int = 100):
	return {"sent": await drain_outbox(limit)}
