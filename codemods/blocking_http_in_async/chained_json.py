# PO101: the response is never named: `requests.get(url).json()` chained in one expression.
import requests
from fastapi import FastAPI

app = FastAPI()

FEATURE_FLAGS_URL = "https://flags.internal.example.com/api/flags"


@app.get("/config/client")
async def client_config(platform: str = "web"):
    session_count = await app.state.metrics.active_sessions()
    flags = requests.get(FEATURE_FLAGS_URL, timeout=2).json()
    enabled = sorted(name for name, spec in flags.items() if platform in spec.get("platforms", []))
    return {
        "platform": platform,
        "flags": enabled,
        "degraded": session_count > 10_000,
    }
