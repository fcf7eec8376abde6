"""Parts and suppliers service for PO205's behaviour test: GET routes that return whole
collections, on SQLAlchemy (async, aiosqlite) and on Beanie (over mongomock-motor), the shapes
`perfopt fix --unsafe` turns into cursor-paged routes.

`run_pagination_behaviour.py` imports it, awaits `seed()` and calls the routes. Configuration:
  PAGINATION_DB_URL   SQLAlchemy URL of an empty SQLite database (sqlite+aiosqlite:///...)
  PAGINATION_ROWS     rows seeded per collection (default 57; bench/pagination.py seeds more)
"""
import os
import random

from beanie import Document, PydanticObjectId, init_beanie
from fastapi import Depends, FastAPI
from mongomock_motor import AsyncMongoMockClient
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROWS = int(os.environ.get("PAGINATION_ROWS", "57"))

engine = create_async_engine(os.environ["PAGINATION_DB_URL"])
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI(title="Parts")


class Base(DeclarativeBase):
    pass


class Part(Base):
    __tablename__ = "parts"

    part_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    in_stock: Mapped[bool]


class PartOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    part_id: int
    name: str
    in_stock: bool


class Supplier(Document):
    name: str
    country: str

    class Settings:
        name = "suppliers"


class SupplierOut(BaseModel):
    name: str
    country: str


async def get_session():
    async with SessionLocal() as session:
        yield session


async def seed():
    """The same rows on every run: parts inserted in shuffled key order, suppliers with fixed ids."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    ids = list(range(1, ROWS + 1))
    random.Random(205).shuffle(ids)
    async with SessionLocal() as session:
        session.add_all(Part(part_id=i, name=f"part-{i:03}", in_stock=i % 3 != 0) for i in ids)
        await session.commit()
    await init_beanie(database=AsyncMongoMockClient()["parts"], document_models=[Supplier])
    for i in range(ROWS):
        country = ["FR", "US", "DE", "JP"][i % 4]
        await Supplier(id=PydanticObjectId(f"65a0{i:020x}"), name=f"supplier-{i}", country=country).insert()


async def close():
    await engine.dispose()


@app.get("/parts", response_model=list[PartOut])
async def list_parts(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Part))
    return result.scalars().all()


@app.get("/parts/in-stock", response_model=list[PartOut])
async def list_parts_in_stock(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(Part).where(Part.in_stock))).all()


@app.get("/suppliers")
async def list_suppliers():
    return await Supplier.find_all().to_list()


@app.get("/suppliers/outside-us", response_model=list[SupplierOut])
async def list_suppliers_outside_us():
    suppliers = await Supplier.find(Supplier.country != "US").to_list()
    return [SupplierOut(name=s.name, country=s.country) for s in suppliers]
