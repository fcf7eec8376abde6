# PO204: SQLAlchemy async rows added and committed one at a time.
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine("sqlite+aiosqlite:///orders.db")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(80))
    total: Mapped[float]


class OrderIn(BaseModel):
    customer: str
    total: float


async def get_session():
    async with SessionLocal() as session:
        yield session


# fires: add + commit per row
@app.post("/orders/import")
async def import_orders(lines: list[OrderIn], session: AsyncSession = Depends(get_session)):
    for line in lines:
        session.add(Order(customer=line.customer, total=line.total))
        await session.commit()
    return {"imported": len(lines)}


# fires: the object is built in a variable, flushed per row
@app.post("/orders/import-flush")
async def import_orders_flush(lines: list[OrderIn], db: AsyncSession = Depends(get_session)):
    for line in lines:
        order = Order(customer=line.customer, total=line.total)
        db.add(order)
        await db.flush()
    await db.commit()
    return {"imported": len(lines)}


# fires, no fix: per-item try/except around the commit isolates failures
@app.post("/orders/import-tolerant")
async def import_tolerant(lines: list[OrderIn], session: AsyncSession = Depends(get_session)):
    rejected = 0
    for line in lines:
        session.add(Order(customer=line.customer, total=line.total))
        try:
            await session.commit()
        except Exception:
            await session.rollback()
            rejected += 1
    return {"rejected": rejected}


# fires, no fix: each row is refreshed after its commit
@app.post("/orders/import-echo")
async def import_echo(lines: list[OrderIn], session: AsyncSession = Depends(get_session)):
    created = []
    for line in lines:
        order = Order(customer=line.customer, total=line.total)
        session.add(order)
        await session.commit()
        created.append(order.id)
    return created
