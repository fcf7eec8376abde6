# PO205: the catalogue service lists whole MongoDB collections (Beanie) in one response.
from datetime import datetime

from beanie import Document, Indexed
from fastapi import APIRouter
from pydantic import BaseModel

from app import schemas

router = APIRouter(prefix="/catalogue", tags=["catalogue"])


class Product(Document):
    sku: Indexed(str, unique=True)
    name: str
    price: float
    active: bool = True

    class Settings:
        name = "products"


class Review(Document):
    product_sku: str
    stars: int
    created_at: datetime


class ProductOut(BaseModel):
    sku: str
    name: str
    price: float


# fires: the whole collection, validated against a list response model
@router.get("/products", response_model=list[ProductOut])
async def list_products():
    return await Product.find_all().to_list()


# fires: a filtered find stored in a variable, each item mapped before it is returned
@router.get("/products/active")
async def list_active_products() -> list[ProductOut]:
    products = await Product.find(Product.active == True, fetch_links=True).to_list()  # noqa: E712
    return [ProductOut(sku=p.sku, name=p.name, price=p.price) for p in products]


# fires: the listing is the iterable of the comprehension that maps it
@router.get("/products/cheap", response_model=list[ProductOut])
async def list_cheap_products(below: float = 10.0):
    return [ProductOut(sku=p.sku, name=p.name, price=p.price) for p in await Product.find(Product.price < below).to_list()]


# fires: the query is built step by step, then listed; the item model is imported
@router.get("/reviews", response_model=list[schemas.ReviewOut])
async def list_reviews(min_stars: int = 1, sku: str | None = None):
    query = Review.find(Review.stars >= min_stars)
    if sku is not None:
        query = query.find(Review.product_sku == sku)
    return await query.to_list()
