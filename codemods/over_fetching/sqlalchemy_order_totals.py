import csv
import io
from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Depends
from sqlalchemy import ForeignKey, Numeric, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

router = APIRouter()


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    customer: Mapped[Customer] = relationship()

    @property
    def label(self) -> str:
        return f"#{self.id} ({self.status})"


async def get_session() -> AsyncSession:
    raise NotImplementedError


@router.get("/dashboard/totals")
async def totals(session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order).where(Order.status == "paid"))).scalars().all()
    return {"total": str(sum(o.amount for o in orders)), "count": len(orders)}


@router.get("/orders/export.csv")
async def export_csv(session: AsyncSession = Depends(get_session)):
    out = io.StringIO()
    writer = csv.writer(out)
    for order in await session.scalars(select(Order).order_by(Order.created_at)):
        writer.writerow([order.id, order.created_at.isoformat(), order.amount])
    return out.getvalue()


@router.get("/customers/names")
async def customer_names(session: AsyncSession = Depends(get_session)):
    customers = (await session.scalars(select(Customer).limit(1000))).all()
    return {c.id: c.name for c in customers}


@router.get("/orders/labels")
async def labels(session: AsyncSession = Depends(get_session)):
    # a property may read any column: not reported
    orders = (await session.scalars(select(Order))).all()
    return [o.label for o in orders]


@router.get("/orders/customers")
async def order_customers(session: AsyncSession = Depends(get_session)):
    # a relationship is not a column: not reported
    orders = (await session.scalars(select(Order))).all()
    return [o.customer.name for o in orders]
