from fastapi import APIRouter, Depends
from sqlalchemy import Column, DateTime, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

router = APIRouter()


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_email: Mapped[str] = mapped_column(String(120))
    status: Mapped[str]
    created_at = Column(
        DateTime,
        nullable=False,
    )
    total: Mapped[int] = mapped_column()


async def get_session() -> AsyncSession: ...


@router.get("/orders")
async def orders(email: str, session: AsyncSession = Depends(get_session)):
    statement = (
        select(Order)
        .where(Order.customer_email == email, Order.status.in_(["open", "paid"]))
        .order_by(Order.created_at.desc())
    )
    return (await session.scalars(statement)).all()


@router.get("/orders/big")
async def big_orders(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(Order).filter(Order.total > 1000))).all()
