# PO102: `time.sleep` inside a generator expression consumed by `sum()` in an async
# handler (generator expressions differ from list comprehensions once awaited).
import time

from fastapi import FastAPI

app = FastAPI()

WARMUP_STEPS = (0.05, 0.1, 0.2)


@app.post("/cache/warmup")
async def warm_cache():
    keys = await app.state.cache.keys("product:*")
    waited = sum(time.sleep(step) or step for step in WARMUP_STEPS)
    return {"keys": len(keys), "waited_s": waited}
