"""Report routes of the shop: totals, exports and directories that read a few fields of many
orders and members (the shapes `perfopt fix --unsafe --select PO203` projects), and one route
that returns whole documents (left alone).

Configuration: PROJECTION_DB_URL, the SQLAlchemy URL of an empty SQLite database.
"""
import os

from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from .models import Member, Order

engine = create_async_engine(os.environ["PROJECTION_DB_URL"])
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI(title="Shop reports")


async def get_session():
    async with SessionLocal() as session:
        yield session


@app.get("/orders/totals")
async def order_totals(status: str = "paid", session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order).where(Order.status == status))).scalars().all()
    if not orders:
        return {"count": 0, "total": "0"}
    return {"count": len(orders), "total": str(sum(o.amount for o in orders))}


@app.get("/orders/export")
async def order_export(session: AsyncSession = Depends(get_session)):
    lines = []
    for order in await session.scalars(select(Order).order_by(Order.id)):
        lines.append(f"{order.id};{order.customer};{order.created_at.isoformat()}")
    return lines


@app.get("/orders/by-customer")
async def orders_by_customer(session: AsyncSession = Depends(get_session)):
    orders = (await session.scalars(select(Order).order_by(Order.id).limit(150))).all()
    totals = {}
    for o in orders:
        totals[o.customer] = totals.get(o.customer, 0) + o.amount
    return {customer: str(total) for customer, total in totals.items()}


@app.get("/orders/cents")
async def order_cents(session: AsyncSession = Depends(get_session)):
    return [f"{o.amount_cents:.0f}" for o in await session.scalars(select(Order).limit(40))]


@app.get("/members/countries")
async def member_countries():
    return {m.name: m.home_country for m in await Member.find_all().to_list()}


@app.get("/members/names")
async def member_names():
    return [m.name for m in await Member.find_all().sort(+Member.email).to_list()]


@app.get("/members/directory")
async def member_directory(city: str = "Berlin"):
    entries = []
    async for m in Member.find(Member.city == city).sort(+Member.email):
        entries.append({"id": str(m.id), "email": m.email, "nickname": m.nickname})
    return entries


@app.get("/members/tags")
async def member_tags():
    members = await Member.find_all().sort(+Member.email).to_list()
    return {"count": len(members), "tags": sorted({t for m in members for t in m.tags})}


@app.get("/members")
async def members():
    return await Member.find_all().sort(+Member.email).to_list()
