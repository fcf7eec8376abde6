# PO101: `with httpx.Client(...) as c:` (sync client) inside an async handler.
import httpx
from fastapi import APIRouter

router = APIRouter(prefix="/shipping")

CARRIER_API = "https://api.carrier.example.com"


@router.get("/quotes")
async def shipping_quotes(postcode: str, weight_grams: int):
    origin = await router.warehouse.nearest(postcode)
    with httpx.Client(base_url=CARRIER_API, timeout=6.0) as c:
        standard = c.get("/rates", params={"from": origin, "to": postcode, "w": weight_grams})
        express = c.get(
            "/rates",
            params={"from": origin, "to": postcode, "w": weight_grams, "service": "express"},
        )
    return {
        "origin": origin,
        "standard": standard.json()["price"],
        "express": express.json()["price"],
    }
