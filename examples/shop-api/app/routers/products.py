import json
from pathlib import Path

import httpx
import requests
from fastapi import APIRouter, Depends, Query

from app.config import Settings, get_settings
from app.models import Product, StockLevel
from app.services import inventory

router = APIRouter(prefix="/products", tags=["products"])


@router.get("", response_model=list[Product])
async def list_products():
    return await Product.find_all().to_list()


@router.get("/prices")
async def get_price_list(settings: Settings = Depends(get_settings)):
    # Price list is exported nightly by the ERP job.
    prices = json.loads(Path(settings.price_list_path).read_text())
    return {"currency": prices["currency"], "valid_from": prices["valid_from"], "items": prices["items"]}


@router.get("/availability", response_model=list[StockLevel])
async def check_availability(skus: list[str] = Query(), settings: Settings = Depends(get_settings)):
    levels = []
    async with httpx.AsyncClient(base_url=settings.inventory_url, timeout=settings.http_timeout) as client:
        for sku in skus:
            resp = await client.get("/stock", params={"sku": sku})
            resp.raise_for_status()
            levels.append(StockLevel(**resp.json()))
    return levels


@router.get("/{sku}/stock", response_model=StockLevel)
async def get_product_stock(sku: str, warehouse: str = "main"):
    return await inventory.get_stock_level(sku, warehouse)


@router.get("/{sku}/reviews")
def get_product_reviews(sku: str, limit: int = 20, settings: Settings = Depends(get_settings)):
    resp = requests.get(
        f"{settings.reviews_url}/products/{sku}/reviews",
        params={"limit": limit},
        timeout=settings.http_timeout,
    )
    if resp.status_code == 404:
        return []
    resp.raise_for_status()
    return resp.json()["reviews"]
