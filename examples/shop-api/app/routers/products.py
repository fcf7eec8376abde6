import json
from pathlib import Path

import requests
from fastapi import APIRouter, Depends, HTTPException, Query

from app.config import Settings, get_settings
from app.models import CategorySummary, Product, ProductDetail, ShippingRate, StockLevel
from app.services import inventory, shipping

router = APIRouter(prefix="/products", tags=["products"])


@router.get("", response_model=list[Product])
async def list_products():
    return await Product.find_all().to_list()


@router.get("/categories", response_model=list[CategorySummary])
async def list_categories():
    # Feeds the navigation menu on every page of the web shop.
    return await Product.find(Product.active == True).aggregate(  # noqa: E712
        [
            {"$group": {"_id": "$category", "products": {"$sum": 1}, "from_price_cents": {"$min": "$price_cents"}}},
            {"$sort": {"_id": 1}},
            {"$project": {"_id": 0, "category": "$_id", "products": 1, "from_price_cents": 1}},
        ],
        projection_model=CategorySummary,
    ).to_list()


@router.get("/prices")
async def get_price_list(settings: Settings = Depends(get_settings)):
    # Price list is exported nightly by the ERP job.
    prices = json.loads(Path(settings.price_list_path).read_text())
    return {"currency": prices["currency"], "valid_from": prices["valid_from"], "items": prices["items"]}


@router.get("/availability", response_model=list[StockLevel])
async def check_availability(skus: list[str] = Query(max_length=50), warehouse: str = "main"):
    levels = []
    for sku in skus:
        levels.append(await inventory.get_stock_level(sku, warehouse))
    return levels


@router.get("/{sku}", response_model=ProductDetail)
async def get_product(sku: str):
    product = await Product.find_one(Product.sku == sku)
    stock = await inventory.get_stock_level(sku)
    if product is None or not product.active:
        raise HTTPException(status_code=404, detail="product not found")
    return ProductDetail(
        sku=product.sku,
        name=product.name,
        category=product.category,
        description=product.description,
        price_cents=product.price_cents,
        currency=product.currency,
        available=stock.available,
    )


@router.get("/{sku}/stock", response_model=StockLevel)
async def get_product_stock(sku: str, warehouse: str = "main"):
    return await inventory.get_stock_level(sku, warehouse)


@router.get("/{sku}/shipping-rates", response_model=list[ShippingRate])
async def get_shipping_rates(
    sku: str,
    country: str = Query(min_length=2, max_length=2),
    postal_code: str | None = None,
):
    product = await Product.find_one(Product.sku == sku)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    return await shipping.get_rates(country.upper(), postal_code, product.weight_grams)


@router.get("/{sku}/reviews")
def get_product_reviews(sku: str, limit: int = 20, settings: Settings = Depends(get_settings)):
    resp = requests.get(f"{settings.reviews_url}/products/{sku}/reviews", params={"limit": limit})
    if resp.status_code == 404:
        return []
    resp.raise_for_status()
    return resp.json()["reviews"]
