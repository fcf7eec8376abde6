# perfopt.toml: [client-per-request]
# perfopt.toml: share = "client"
# PO108 with `share = "client"`: clients whose arguments are known at import time become one
# module-level client; one built from a request's dependency keeps the shared SSL context.
import httpx
from fastapi import APIRouter, Depends

from app.config import Settings, get_settings, settings

RATES_URL = "https://rates.internal.example.com"

router = APIRouter()


@router.get("/rates/{base}")
async def rates(base: str):
    async with httpx.AsyncClient(base_url=RATES_URL, timeout=5.0) as client:
        response = await client.get(f"/latest/{base}")  # one call per request
        response.raise_for_status()
        help_text = """Rates are mid-market,
    refreshed hourly."""
        return {"rates": response.json(), "help": help_text}


@router.get("/stock/{sku}")
async def stock(sku: str):
    async with httpx.AsyncClient(base_url=settings.inventory_url, timeout=settings.http_timeout) as inventory:
        return (await inventory.get("/stock", params={"sku": sku})).json()


@router.get("/reviews/{sku}")
async def reviews(sku: str, config: Settings = Depends(get_settings)):
    async with httpx.AsyncClient(base_url=config.reviews_url) as client:
        return (await client.get(f"/products/{sku}/reviews")).json()
