# PO201: SQLAlchemy queries per order that fire without a fix: the batch would change what they
# return or could not run before the loop.
from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

app = FastAPI()
SessionLocal = async_sessionmaker()


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    placed_at: Mapped[int]


class Line(Base):
    __tablename__ = "lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    added_at: Mapped[int]


async def get_session():
    yield AsyncSession()


# fires, no fix: a session opened per item (unbound before the loop)
@app.get("/orders/customers")
async def customers_own_session(session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order))).scalars().all()
    names = []
    for o in orders:
        async with SessionLocal() as s:
            customer = await s.get(Customer, o.customer_id)
        names.append(customer.name)
    return names


# fires, no fix: `options=` would be dropped by the batch
@app.get("/orders/customers/loaded")
async def customers_with_options(session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order))).scalars().all()
    return [
        await session.get(Customer, o.customer_id, options=[selectinload(Customer.name)])
        for o in orders
    ]


# fires, no fix: the second `where` reads the order
@app.get("/orders/late-lines")
async def late_lines(session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order))).scalars().all()
    counts = []
    for o in orders:
        lines = (
            await session.execute(
                select(Line).where(Line.order_id == o.id).where(Line.added_at > o.placed_at)
            )
        ).scalars().all()
        counts.append(len(lines))
    return counts


# fires, no fix: a savepoint per item
@app.get("/orders/lines")
async def lines_per_savepoint(session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order))).scalars().all()
    counts = []
    for o in orders:
        async with session.begin_nested():
            lines = (await session.scalars(select(Line).where(Line.order_id == o.id))).all()
        counts.append(len(lines))
    return counts


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    order: Mapped[Order] = relationship()


# fires, no fix: the filter compares a relationship, which has no `.in_()`
@app.get("/orders/notes")
async def notes_per_order(session: AsyncSession = Depends(get_session)):
    orders = (await session.scalars(select(Order))).all()
    return [(await session.scalars(select(Note).where(Note.order == o))).all() for o in orders]
