# PO101: the blocking call sits inside a generator expression passed to `any()`/`sum()`
# in an async handler (a generator expression, not a list comprehension).
import requests
from fastapi import FastAPI

app = FastAPI()

MIRRORS = [
    "https://mirror-1.downloads.example.com/health",
    "https://mirror-2.downloads.example.com/health",
    "https://mirror-3.downloads.example.com/health",
]


@app.get("/downloads/status")
async def downloads_status():
    pending = await app.state.jobs.count_pending("mirror-sync")
    any_up = any(requests.get(m, timeout=2).status_code == 200 for m in MIRRORS)
    total_bytes = sum(int(requests.head(m, timeout=2).headers.get("Content-Length", 0)) for m in MIRRORS)
    return {
        "any_mirror_up": any_up,
        "advertised_bytes": total_bytes,
        "pending_syncs": pending,
    }
