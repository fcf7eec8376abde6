# PO305: order and customer exports on SQLAlchemy's async ORM, the session from a `yield`
# dependency (closed by FastAPI after the response is sent).
from datetime import date
from typing import Annotated, AsyncIterator

from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from shop.models import Customer, Invoice, Order

engine = create_async_engine("postgresql+asyncpg://shop@db/shop")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)

app = FastAPI()


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


# fires, fixed: `execute` then `.scalars().all()` in two statements.
@app.get("/orders/export")
async def export_orders(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Order).order_by(Order.id))
    return result.scalars().all()


# fires, fixed: `scalars(...).all()` in one expression, the session through an `Annotated` alias.
@app.get("/customers/all")
async def all_customers(db: SessionDep):
    return (await db.scalars(select(Customer).where(Customer.active.is_(True)))).all()


# fires, fixed: a statement refined step by step, then a per-item comprehension.
@app.get("/invoices/export.csv-ready", status_code=200)
async def export_invoices(session: Annotated[AsyncSession, Depends(get_session)], since: date | None = None):
    stmt = select(Invoice).order_by(Invoice.issued_on)
    if since is not None:
        stmt = stmt.where(Invoice.issued_on >= since)
    rows = (await session.execute(stmt)).scalars().all()
    return [{"number": row.number, "amount": str(row.amount)} for row in rows]


# fires, no fix: the session closes when the handler returns.
@app.get("/orders/dump")
async def dump_orders():
    async with SessionLocal() as session:
        return (await session.execute(select(Order))).scalars().all()


# fires, no fix: a function-scoped dependency closes the session before the response streams.
@app.get("/customers/export")
async def export_customers(session: AsyncSession = Depends(get_session, scope="function")):
    return (await session.scalars(select(Customer))).all()


# fires, no fix: `yield_per`, which streaming needs, refuses joined eager loading of collections.
@app.get("/customers/export/with-orders")
async def export_customers_with_orders(session: SessionDep):
    stmt = select(Customer).options(joinedload(Customer.orders))
    return (await session.scalars(stmt)).unique().all()
