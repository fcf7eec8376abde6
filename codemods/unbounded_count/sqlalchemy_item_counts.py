# PO206: SQLAlchemy 2.0 async counts computed by loading every row.
from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, selectinload

engine = create_async_engine("sqlite+aiosqlite:///shop.db")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    stock: Mapped[int]
    category: Mapped[str] = mapped_column(String(40))


async def get_session():
    async with SessionLocal() as session:
        yield session


# fires: execute(...).scalars().all(), the where clauses stay, the order_by goes
@app.get("/items/out-of-stock/count")
async def out_of_stock(session: AsyncSession = Depends(get_session)):
    count = len(
        (await session.execute(select(Item).where(Item.stock == 0).order_by(Item.id))).scalars().all()
    )
    return {"count": count}


# fires: scalars(...).all() with filter_by and loader options, over several lines
@app.get("/categories/{category}/size")
async def category_size(category: str, session: AsyncSession = Depends(get_session)):
    items = (
        await session.scalars(
            select(Item)
            .filter_by(category=category)
            .options(selectinload(Item.customer_id))
        )
    ).all()
    return {"category": category, "count": len(items)}


# fires, no fix: a comment in a dropped part would be lost
@app.get("/categories/{category}/count")
async def category_count(category: str, session: AsyncSession = Depends(get_session)):
    items = (
        await session.scalars(
            select(Item)
            .filter_by(category=category)  # one category
            .options(selectinload(Item.customer_id))
        )
    ).all()
    return {"category": category, "count": len(items)}


# fires: rows of execute(...).all()
@app.get("/customers/count")
async def customer_count(session: AsyncSession = Depends(get_session)):
    return len((await session.execute(select(Customer))).all())


# fires, no fix: a join multiplies the rows
@app.get("/customers/with-items/count")
async def customers_with_items(session: AsyncSession = Depends(get_session)):
    rows = (await session.scalars(select(Customer).join(Item, Item.customer_id == Customer.id))).all()
    return {"count": len(rows)}


# fires, no fix: an offset bounds the list
@app.get("/items/rest/count")
async def rest_count(session: AsyncSession = Depends(get_session)):
    return len((await session.scalars(select(Item).offset(10))).all())


# fires, no fix: distinct
@app.get("/items/distinct/count")
async def distinct_count(session: AsyncSession = Depends(get_session)):
    return len((await session.scalars(select(Item).distinct())).all())
