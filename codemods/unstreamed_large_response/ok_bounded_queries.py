# OK for PO305: export routes whose queries are bounded (a limit, `to_list(n)`, a statement
# with `.limit(...)`), so the list has a known maximum size.
from beanie import Document
from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db import get_session
from shop.models import Order

app = FastAPI()


class Product(Document):
    sku: str
    name: str


@app.get("/products/export")
async def export_products(page_size: int = 500):
    return await Product.find_all().sort(+Product.sku).limit(page_size).to_list()


@app.get("/products/export/sample")
async def export_sample():
    return await Product.find_all().to_list(100)


@app.get("/orders/export")
async def export_orders(session: AsyncSession = Depends(get_session)):
    stmt = select(Order).order_by(Order.id)
    stmt = stmt.limit(10_000)
    return (await session.scalars(stmt)).all()


@app.get("/orders/export/latest")
async def export_latest_orders(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Order).order_by(Order.id.desc()).limit(50))
    return result.scalars().all()
