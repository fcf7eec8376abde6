# PO105 ok: async handlers that call blocking code but also await something (PO101-PO104
# cover their blocking calls; PO105 only handles handlers that never suspend).
import subprocess
import time

import requests
from fastapi import APIRouter

router = APIRouter(prefix="/ops")


@router.get("/version")
async def version():
    out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
    db = await router.db.server_version()
    return {"commit": out.stdout.strip(), "db": db}


@router.post("/warmup")
async def warmup():
    time.sleep(0.1)
    async with router.pool.acquire() as conn:
        await conn.execute("SELECT 1")
    return {"warm": True}


@router.get("/upstreams")
async def upstreams():
    resp = requests.get("https://registry.internal.example.com/upstreams", timeout=3)
    async for event in router.events.recent():
        resp.json().setdefault("events", []).append(event)
    return resp.json()
