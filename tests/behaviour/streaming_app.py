"""Exports service: export routes that load whole collections (PO305), on SQLAlchemy's async
ORM over aiosqlite and on Beanie over mongomock-motor.

The behaviour test (`run_streaming_behaviour.py`) seeds the data, then calls every route
before and after `perfopt fix --unsafe`. Configuration comes from the environment:
  EXPORTS_DATABASE_URL   SQLAlchemy URL of the seeded SQLite file
"""
import os
from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated, AsyncIterator

from beanie import Document, PydanticObjectId, init_beanie
from fastapi import Depends, FastAPI
from mongomock_motor import AsyncMongoMockClient
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Numeric, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(os.environ["EXPORTS_DATABASE_URL"])
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)

app = FastAPI(title="Exports")


# --- SQLAlchemy ------------------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(80))
    total: Mapped[float]
    note: Mapped[str | None]


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None]
    balance: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str = Field(validation_alias="name", serialization_alias="displayName")
    email: str | None = None
    balance: Decimal


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def seed_database(rows: int) -> None:
    """Creates the tables and `rows` orders and customers (run once, before both phases)."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with SessionLocal() as session:
        for i in range(1, rows + 1):
            session.add(Order(id=i, customer=f"Zoë {i} – “quoted”", total=i * 0.1 if i % 7 else 1e16,
                              note=None if i % 3 else f"line\nbreak {i}"))
            session.add(Customer(id=i, name=f"Cliente nº {i}", email=None if i % 4 == 0 else f"c{i}@example.com",
                                 balance=Decimal(i) / 8))
        await session.commit()


@app.get("/orders/export")
async def export_orders(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Order).order_by(Order.id))
    return result.scalars().all()


@app.get("/orders/export/empty")
async def export_no_orders(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(Order).where(Order.total < 0))).all()


@app.get("/orders/export/summary", status_code=203)
async def export_order_summary(session: SessionDep, minimum: float = 0):
    stmt = select(Order).order_by(Order.total.desc(), Order.id)
    if minimum:
        stmt = stmt.where(Order.total >= minimum)
    orders = (await session.execute(stmt)).scalars().all()
    return [{"id": order.id, "total": order.total, "customer": order.customer} for order in orders if order.note is None]


@app.get("/customers/all", response_model_exclude_none=True)
async def all_customers(session: SessionDep) -> list[CustomerOut]:
    return (await session.scalars(select(Customer).order_by(Customer.id))).all()


# --- Beanie ----------------------------------------------------------------------------------


class Product(Document):
    sku: str
    name: str
    price: float
    tags: list[str] = []
    updated_at: datetime

    class Settings:
        name = "products"


class ProductOut(BaseModel):
    sku: str
    label: str = Field(validation_alias="name", serialization_alias="productLabel")
    price: float


async def init_documents(count: int) -> None:
    """A fresh in-memory MongoDB with `count` products of fixed ids (run before each phase)."""
    client = AsyncMongoMockClient()
    await init_beanie(database=client["exports"], document_models=[Product])
    for i in range(1, count + 1):
        await Product(id=PydanticObjectId(f"{i:024x}"), sku=f"SKU-{i:05d}", name=f"Crème brûlée nº {i}",
                      price=round(i * 1.1, 2), tags=["dessert"] if i % 2 else [],
                      updated_at=datetime(2026, 1, 1 + i % 28, 12, 30, tzinfo=timezone.utc)).insert()


@app.get("/products/export")
async def export_products():
    return await Product.find_all().sort(+Product.sku).to_list()


@app.get("/products/export/labels", response_model=list[ProductOut])
async def export_product_labels():
    products = await Product.find(Product.price > 2).sort(-Product.price).to_list()
    return products


@app.get("/products/dump")
async def dump_product_prices():
    return [{"sku": p.sku, "price": p.price} for p in await Product.find_all().sort(+Product.sku).to_list()]


# Stays as it is: the list is sorted in Python (reported without a fix).
@app.get("/products/export/by-name")
async def export_products_by_name():
    products = await Product.find_all().to_list()
    return sorted(products, key=lambda p: p.name)
