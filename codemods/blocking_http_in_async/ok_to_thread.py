# PO101 ok: the blocking function is passed to `asyncio.to_thread` / `run_in_executor`,
# never called on the loop.
import asyncio
import functools

import requests
from fastapi import APIRouter

router = APIRouter(prefix="/exchange")

RATES_URL = "https://fx.internal.example.com/latest"


@router.get("/rates")
async def rates(base: str = "EUR"):
    resp = await asyncio.to_thread(requests.get, RATES_URL, params={"base": base}, timeout=3)
    return resp.json()


@router.get("/rates/history")
async def rate_history(base: str = "EUR", days: int = 7):
    loop = asyncio.get_running_loop()
    call = functools.partial(requests.get, f"{RATES_URL}/history", params={"base": base, "days": days}, timeout=3)
    resp = await loop.run_in_executor(None, call)
    return resp.json()
