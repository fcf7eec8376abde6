# PO202: columns whose last argument carries a comment, with and without a trailing comma.
from fastapi import APIRouter, Depends
from sqlalchemy import Column, DateTime, Integer, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

router = APIRouter()


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    issued_at = Column(
        DateTime,
        nullable=False  # set by the billing job, never null
    )
    customer_id: Mapped[int] = mapped_column(
        Integer,
        nullable=False,  # kept after the customer is deleted, for audits
    )


async def get_session() -> AsyncSession: ...


@router.get("/customers/{customer_id}/invoices")
async def customer_invoices(customer_id: int, session: AsyncSession = Depends(get_session)):
    statement = (
        select(Invoice)
        .where(Invoice.customer_id == customer_id)
        .order_by(Invoice.issued_at.desc())
        .limit(50)
    )
    return (await session.scalars(statement)).all()
