# PO201: SQLAlchemy async routes with a query per order.
import asyncio

from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

app = FastAPI()


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    lines: Mapped[list["LineItem"]] = relationship(back_populates="invoice")


class LineItem(Base):
    __tablename__ = "line_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    amount: Mapped[int]
    invoice: Mapped[Invoice] = relationship(back_populates="lines")


async def get_session():
    yield AsyncSession()


# fires twice: `session.get` and a `select(...).where(...)` per invoice
@app.get("/invoices")
async def list_invoices(session: AsyncSession = Depends(get_session)):
    invoices = (await session.execute(select(Invoice).order_by(Invoice.id))).scalars().all()
    out = []
    for invoice in invoices:
        customer = await session.get(Customer, invoice.customer_id)
        lines = (
            await session.execute(
                select(LineItem)
                .where(LineItem.invoice_id == invoice.id)
                .order_by(LineItem.id)
            )
        ).scalars().all()
        out.append({"id": invoice.id, "customer": customer and customer.name, "lines": len(lines)})
    return out


# fires: `session.scalars` per invoice, in a dict comprehension
@app.get("/invoices/amounts")
async def invoice_amounts(session: AsyncSession = Depends(get_session)):
    invoices = (await session.scalars(select(Invoice))).all()
    return {
        i.id: [
            line.amount
            for line in (await session.scalars(select(LineItem).where(LineItem.invoice_id == i.id))).all()
        ]
        for i in invoices
    }


# fires: a lazy relationship awaited per invoice
@app.get("/invoices/lines")
async def invoice_lines(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Invoice))
    invoices = (await session.execute(select(Invoice).where(Invoice.id > 0))).scalars().all()
    totals = {}
    for invoice in invoices:
        lines = await invoice.awaitable_attrs.lines
        totals[invoice.id] = sum(line.amount for line in lines)
    return totals, result


# fires: a plain lazy read, which raises MissingGreenlet under AsyncSession
@app.get("/invoices/count")
async def invoice_line_counts(session: AsyncSession = Depends(get_session)):
    invoices = (await session.execute(select(Invoice))).scalars().all()
    return [len(invoice.lines) for invoice in invoices]


# fires, no fix: the loop commits
@app.post("/invoices/settle")
async def settle(session: AsyncSession = Depends(get_session)):
    invoices = (await session.execute(select(Invoice))).scalars().all()
    for invoice in invoices:
        customer = await session.get(Customer, invoice.customer_id)
        customer.name = customer.name.strip()
        await session.commit()
    return {"ok": True}


# fires, no fix: the key comes from the previous iteration
@app.get("/invoices/chain")
async def chained(session: AsyncSession = Depends(get_session)):
    invoices = (await session.execute(select(Invoice))).scalars().all()
    previous = 0
    out = []
    for invoice in invoices:
        out.append(await session.get(Customer, invoice.customer_id + previous))
        previous = invoice.customer_id
    return out


# fires, no fix: one shared session used by concurrent queries
@app.get("/invoices/gathered")
async def gathered(session: AsyncSession = Depends(get_session)):
    invoices = (await session.execute(select(Invoice))).scalars().all()
    return await asyncio.gather(*(session.get(Customer, i.customer_id) for i in invoices))
