# PO101: the sync `httpx.get(...)` / `httpx.post(...)` functions block just like requests.
import httpx
from fastapi import FastAPI

app = FastAPI()

STATUS_PAGE = "https://status.internal.example.com/api/components"
INCIDENTS = "https://status.internal.example.com/api/incidents"


@app.get("/status")
async def platform_status():
    queue_depth = await app.state.queue.depth()
    components = httpx.get(STATUS_PAGE, timeout=3.0).json()
    degraded = [c["name"] for c in components if c["status"] != "operational"]
    if degraded:
        httpx.post(
            INCIDENTS,
            json={"components": degraded, "source": "api-status"},
            timeout=3.0,
        )
    return {
        "degraded": degraded,
        "queue_depth": queue_depth,
    }
