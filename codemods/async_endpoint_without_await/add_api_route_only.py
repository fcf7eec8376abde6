# PO105: a handler registered only with `app.add_api_route(...)` (no decorator), as apps that
# build their routes from a table do. It never awaits and calls `time.sleep`.
import time

from fastapi import FastAPI

app = FastAPI()


async def warmup_cache(seconds: float = 0.5):
    # Give the sidecar cache a moment to load before the load balancer sends traffic.
    time.sleep(seconds)
    return {"warmed": True}


async def readiness():
    return {"ready": True}


app.add_api_route("/warmup", warmup_cache, methods=["POST"])
app.add_api_route("/ready", endpoint=readiness, methods=["GET"])
