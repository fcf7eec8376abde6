# OK for PO305: ordinary list endpoints (no export, dump, download, csv, backup or all in the
# path or name) are left to cursor pagination (PO205), so they are not reported twice.
from beanie import Document
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db import get_session
from shop.models import Order

router = APIRouter(prefix="/catalogue")


class Product(Document):
    sku: str
    name: str


@router.get("/products")
async def list_products():
    return await Product.find_all().to_list()


@router.get("/orders/{customer_id}")
async def customer_orders(customer_id: int, session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(Order).where(Order.customer_id == customer_id))).all()


@router.get("/install-guide")
async def install_guide():
    # "install" contains "all" but is not the word.
    return await Product.find(Product.sku == "GUIDE").to_list()
