"""PO202's behaviour app: a Beanie document and a SQLAlchemy table, each with queries that filter
and sort on fields no index covers. The driver runs the queries before and after
`perfopt fix --unsafe --select PO202` and reads the indexes and query plans."""
import os
from datetime import datetime
from typing import Optional

from beanie import Document
from sqlalchemy import DateTime, String, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(os.environ["INDEX_APP_URL"])
Session = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(40))
    status: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Customer(Document):
    email: str
    team: Optional[str] = None
    joined: datetime


async def orders_of(customer: str):
    async with Session() as session:
        statement = select(Order).where(Order.customer == customer).order_by(Order.created_at.desc())
        return [(o.id, o.status) for o in (await session.scalars(statement)).all()]


async def open_orders():
    async with Session() as session:
        statement = select(Order.id).where(Order.status == "open").order_by(Order.id)
        return list((await session.scalars(statement)).all())


async def customer_by_email(email: str):
    found = await Customer.find_one(Customer.email == email)
    return found and found.email


async def team_members(team: str):
    members = await Customer.find(Customer.team == team).sort(-Customer.joined).to_list()
    return [m.email for m in members]
