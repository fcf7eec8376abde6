# PO205: SQLAlchemy 2.0 async routes that return every row of a table.
from typing import List

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine("sqlite+aiosqlite:///inventory.db")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Warehouse(Base):
    __tablename__ = "warehouses"

    warehouse_id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(80))


class StockItem(Base):
    __tablename__ = "stock_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), index=True)
    quantity: Mapped[int]
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.warehouse_id"))


class WarehouseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    warehouse_id: int
    city: str


class StockItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    quantity: int


async def get_session():
    async with SessionLocal() as session:
        yield session


# fires: execute, then the scalars of the result; the key is `warehouse_id`
@app.get("/warehouses", response_model=list[WarehouseOut])
async def list_warehouses(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Warehouse))
    return result.scalars().all()


# fires: a filtered select read in one expression, parameters one per line
@app.get("/stock", response_model=List[StockItemOut])
async def list_stock(
    min_quantity: int = 0,
    session: AsyncSession = Depends(get_session),
):
    return (await session.scalars(select(StockItem).where(StockItem.quantity >= min_quantity))).all()


# fires: the statement is built in a variable, written over several lines
@app.get("/warehouses/{warehouse_id}/stock")
async def list_warehouse_stock(warehouse_id: int, session: AsyncSession = Depends(get_session)) -> List[StockItemOut]:
    statement = (
        select(StockItem)
        .where(StockItem.warehouse_id == warehouse_id)
    )
    rows = (await session.execute(statement)).scalars().all()
    return rows


# fires: the session opened in the handler; the multi-line query moves into a variable
@app.get("/stock/low")
async def list_low_stock() -> list[StockItemOut]:
    async with SessionLocal() as session:
        result = await session.execute(
            select(StockItem)
            .where(StockItem.quantity < 5)
        )
        return result.scalars().all()
