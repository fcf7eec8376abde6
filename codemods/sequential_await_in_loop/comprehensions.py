# PO106: list comprehensions that await one call per item: with a filter, returned directly,
# and indexed (the rewrite must keep the parentheses).
import asyncio

import httpx

RATES = httpx.AsyncClient(base_url="https://rates.internal.example.com", timeout=5)


async def rate(currency: str) -> float:
    return float((await RATES.get(f"/eur/{currency}")).json()["rate"])


async def price_table(amount: float, currencies: list[str]) -> dict[str, float]:
    rates = [await rate(c) for c in currencies if c != "EUR"]
    return {c: amount * r for c, r in zip([c for c in currencies if c != "EUR"], rates)}


async def all_rates(currencies: list[str]) -> list[float]:
    return [await rate(c) for c in currencies]


async def first_rate(currencies: list[str]) -> float:
    await asyncio.sleep(0)
    return [await rate(c) for c in currencies][0]
