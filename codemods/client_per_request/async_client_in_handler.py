# PO108: an AsyncClient built in a route handler and in a service function it awaits, once per
# request each; `from httpx import AsyncClient` in the second module shape.
import httpx
from fastapi import APIRouter

router = APIRouter(prefix="/rates")

RATES_URL = "https://rates.internal.example.com/v1"


async def fetch_rate(base: str, quote: str) -> float:
    async with httpx.AsyncClient(base_url=RATES_URL, timeout=5) as client:
        resp = await client.get(f"/{base}/{quote}")
        resp.raise_for_status()
        return float(resp.json()["rate"])


@router.get("/{base}")
async def rates(base: str, quotes: str = "USD,GBP"):
    async with httpx.AsyncClient(timeout=5) as client:
        table = (await client.get(f"{RATES_URL}/{base}")).json()
    return {q: table.get(q) or await fetch_rate(base, q) for q in quotes.split(",")}
