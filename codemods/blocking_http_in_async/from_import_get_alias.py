# PO101: `from requests import get as http_get`, called from a plain async helper (not a
# route) that the router awaits.
from fastapi import APIRouter
from requests import get as http_get

router = APIRouter()

RATES_URL = "https://fx.internal.example.com/latest"


async def load_rate(base: str, quote: str) -> float:
    resp = http_get(RATES_URL, params={"base": base, "symbols": quote}, timeout=2)
    resp.raise_for_status()
    return float(resp.json()["rates"][quote])


@router.get("/prices/{sku}")
async def price_in_currency(sku: str, currency: str = "EUR"):
    product = await router.catalog.get_product(sku)
    rate = await load_rate(product.currency, currency)
    return {
        "sku": sku,
        "currency": currency,
        "amount": round(product.price * rate, 2),
    }
