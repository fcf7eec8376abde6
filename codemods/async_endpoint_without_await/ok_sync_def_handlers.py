# PO105 ok: the same handlers written as plain `def`; FastAPI already runs them in its
# threadpool.
import subprocess
from pathlib import Path

import requests
from fastapi import APIRouter

router = APIRouter(prefix="/admin")

FLAGS_FILE = Path("/etc/shop/flags.json")


@router.get("/fx")
def exchange_rates(base: str = "EUR"):
    return requests.get("https://fx.internal.example.com/latest", params={"base": base}, timeout=3).json()


@router.post("/cache/flush")
def flush_cache():
    result = subprocess.run(["redis-cli", "FLUSHDB"], capture_output=True, text=True, timeout=10)
    return {"ok": result.returncode == 0}


@router.get("/flags")
def flags():
    return {"raw": FLAGS_FILE.read_text()}
