# PO106: an availability check that asks the inventory service about each SKU in turn and
# collects the answers in order; also an iterable that is itself awaited.
import httpx
from fastapi import APIRouter

router = APIRouter(prefix="/availability")
inventory = httpx.AsyncClient(base_url="https://inventory.internal.example.com", timeout=5)


async def stock_level(sku: str) -> int:
    resp = await inventory.get(f"/stock/{sku}")
    return resp.json()["available"]


@router.get("")
async def availability(skus: str):
    levels = []
    for sku in skus.split(","):
        levels.append(await stock_level(sku))
    return dict(zip(skus.split(","), levels))


@router.get("/bestsellers")
async def bestsellers_stock():
    counts: list[int] = []
    for item in await inventory_bestsellers():
        counts.append(await stock_level(item["sku"]))
    return {"total": sum(counts)}


async def inventory_bestsellers() -> list[dict]:
    return (await inventory.get("/bestsellers")).json()
