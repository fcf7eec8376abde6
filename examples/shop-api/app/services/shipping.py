"""ParcelHub rates API: what shipping a parcel costs, per carrier and service."""
import httpx

from app.config import settings
from app.models import ShippingRate


async def get_rates(country: str, postal_code: str | None, weight_grams: int) -> list[ShippingRate]:
    params = {"country": country, "weight_grams": weight_grams}
    if postal_code:
        params["postal_code"] = postal_code
    async with httpx.AsyncClient(base_url=settings.shipping_url, timeout=settings.http_timeout) as client:
        resp = await client.get("/rates", params=params)
    resp.raise_for_status()
    return sorted((ShippingRate(**rate) for rate in resp.json()["rates"]), key=lambda rate: rate.price_cents)
