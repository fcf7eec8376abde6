# PO102: `time.sleep` inside a list comprehension in an async function, pacing calls to a
# rate-limited partner API.
import time

from fastapi import APIRouter

router = APIRouter(prefix="/partners")

PARTNER_RATE_S = 0.2


async def refresh_partner_prices(skus: list[str]) -> list[dict]:
    client = router.partner_client
    return [
        {"sku": sku, "price": client.price_for(sku), "paced": time.sleep(PARTNER_RATE_S) is None}
        for sku in skus
    ]


@router.post("/prices/refresh")
async def refresh_prices():
    skus = await router.catalog.partner_skus()
    prices = await refresh_partner_prices(skus)
    await router.catalog.save_partner_prices(prices)
    return {"refreshed": len(prices)}
