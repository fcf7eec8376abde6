# PO303: `lru_cache(maxsize=..., typed=True)` through a module alias, and `functools.cache`
# (unbounded), on async lookups of exchange rates and country metadata.
import functools as ft

import httpx

RATES_URL = "https://rates.internal.example.com/v1"


@ft.lru_cache(maxsize=256, typed=True)
async def exchange_rate(base: str, quote: str) -> float:
    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.get(f"{RATES_URL}/{base}/{quote}")
        return float(resp.json()["rate"])


@ft.cache
async def country(code: str) -> dict:
    async with httpx.AsyncClient(timeout=5) as client:
        return (await client.get(f"{RATES_URL}/countries/{code}")).json()
