"""Orders service for PO201's behaviour test: routes that query once per order, on SQLAlchemy
(async, aiosqlite) and on Beanie (over mongomock-motor), the shapes `perfopt fix --unsafe` batches.

`run_n_plus_one_behaviour.py` imports it, awaits `seed()` and calls the routes. The data has what
a batch must keep: orders whose customer is missing, several orders of one customer, orders
without items, items inserted out of their order, and Beanie customer ids kept as strings.
Configuration:
  N_PLUS_ONE_DB_URL   SQLAlchemy URL of an empty SQLite database (sqlite+aiosqlite:///...)
"""
import os
import random
from typing import Optional

from beanie import Document, Link, PydanticObjectId, init_beanie
from fastapi import Depends, FastAPI
from mongomock_motor import AsyncMongoMockClient
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

engine = create_async_engine(os.environ["N_PLUS_ONE_DB_URL"])
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI(title="Orders")

ORDERS = 40
# Customer 7 does not exist; customers 1 and 3 have many orders.
CUSTOMER_OF = [[1, 3, 7, 1, 2, 3, 5, 3][i % 8] for i in range(ORDERS)]


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]
    note: Mapped[str] = mapped_column(String(40))
    items: Mapped[list["Item"]] = relationship()


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    sku: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]


class Shopper(Document):
    name: str

    class Settings:
        name = "shoppers"


class Purchase(Document):
    shopper_ref: str
    total: float

    class Settings:
        name = "purchases"


class PurchaseLine(Document):
    purchase_id: PydanticObjectId
    sku: str
    position: int

    class Settings:
        name = "purchase_lines"


class Author(Document):
    name: str

    class Settings:
        name = "authors"


class Post(Document):
    title: str
    author: Link[Author]
    reviewer: Optional[str] = None

    class Settings:
        name = "posts"


async def get_session():
    async with SessionLocal() as session:
        yield session


def shopper_id(i):
    return PydanticObjectId(f"65b0{i:020x}")


async def seed():
    """The same rows on every run; items and lines inserted in shuffled order."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    rng = random.Random(201)
    items = [(order, n) for order in range(1, ORDERS + 1) if order % 5 for n in range(order % 4 + 1)]
    rng.shuffle(items)
    async with SessionLocal() as session:
        session.add_all(Customer(id=i, name=f"customer-{i}") for i in (1, 2, 3, 4, 5, 6))
        session.add_all(
            Order(id=i, customer_id=CUSTOMER_OF[i - 1], note=f"order-{i}") for i in range(1, ORDERS + 1)
        )
        session.add_all(
            Item(order_id=order, sku=f"sku-{order}-{n}", position=(n * 7) % 5) for order, n in items
        )
        await session.commit()
    await init_beanie(
        database=AsyncMongoMockClient()["shop"],
        document_models=[Shopper, Purchase, PurchaseLine, Author, Post],
    )
    for i in (1, 2, 3, 4, 5, 6):
        await Shopper(id=shopper_id(i), name=f"shopper-{i}").insert()
    purchases = []
    for i in range(1, ORDERS + 1):
        purchase = Purchase(id=PydanticObjectId(f"65c0{i:020x}"), shopper_ref=str(shopper_id(CUSTOMER_OF[i - 1])), total=i * 2.5)
        await purchase.insert()
        purchases.append(purchase)
    for purchase_index, n in items:
        purchase = purchases[purchase_index - 1]
        await PurchaseLine(purchase_id=purchase.id, sku=f"sku-{purchase_index}-{n}", position=(n * 7) % 5).insert()
    authors = []
    for i in range(1, 5):
        author = Author(id=PydanticObjectId(f"65d0{i:020x}"), name=f"author-{i}")
        await author.insert()
        authors.append(author)
    for i in range(1, 13):
        await Post(id=PydanticObjectId(f"65e0{i:020x}"), title=f"post-{i}", author=authors[i % 3]).insert()


async def close():
    await engine.dispose()


@app.get("/sql/orders")
async def sql_orders(session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order).order_by(Order.id))).scalars().all()
    out = []
    for order in orders:
        customer = await session.get(Customer, order.customer_id)
        items = (
            await session.execute(
                select(Item).where(Item.order_id == order.id).order_by(Item.position, Item.id)
            )
        ).scalars().all()
        out.append({
            "order": order.id,
            "customer": customer.name if customer else None,
            "items": [item.sku for item in items],
        })
    return out


@app.get("/sql/customers")
async def sql_customers(session: AsyncSession = Depends(get_session)):
    orders = (await session.scalars(select(Order).where(Order.id > 3).order_by(Order.id.desc()))).all()
    customer_ids = [order.customer_id for order in orders]
    customers = [await session.get(Customer, customer_id) for customer_id in customer_ids]
    return [customer and customer.name for customer in customers]


@app.get("/sql/item-counts")
async def sql_item_counts(session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order).order_by(Order.id))).scalars().all()
    counts = {}
    for order in orders:
        items = await order.awaitable_attrs.items
        counts[order.note] = sorted(item.sku for item in items)
    return counts


@app.get("/beanie/purchases")
async def beanie_purchases():
    purchases = await Purchase.find_all().sort(+Purchase.id).to_list()
    out = []
    for purchase in purchases:
        shopper = await Shopper.get(purchase.shopper_ref)
        lines = await PurchaseLine.find(PurchaseLine.purchase_id == purchase.id).sort(+PurchaseLine.position, +PurchaseLine.sku).to_list()
        out.append({
            "purchase": str(purchase.id),
            "shopper": shopper.name if shopper else None,
            "lines": [line.sku for line in lines],
        })
    return out


@app.get("/beanie/posts")
async def beanie_posts():
    posts = await Post.find_all().sort(+Post.id).to_list()
    return [{"title": post.title, "author": (await post.author.fetch()).name} for post in posts]


@app.get("/sql/neighbours")
async def sql_neighbours(session: AsyncSession = Depends(get_session)):
    """Two keys of one model per order, and a loop that skips and stops early: the batch loads
    keys the loop never reaches, which must not change what it answers."""
    orders = (await session.execute(select(Order).order_by(Order.id))).scalars().all()
    out = []
    for order in orders:
        if order.id % 3 == 0:
            continue
        if order.id > 30:
            break
        customer = await session.get(Customer, order.customer_id)
        next_customer = await session.get(Customer, order.customer_id + 1)
        out.append([order.id, customer and customer.name, next_customer and next_customer.name])
    return out


@app.get("/sql/no-orders")
async def sql_no_orders(session: AsyncSession = Depends(get_session)):
    """No orders at all: the batch queries an empty `IN`."""
    orders = (await session.scalars(select(Order).where(Order.id > 1000))).all()
    return [await session.get(Customer, order.customer_id) for order in orders]


@app.get("/beanie/line-purchases")
async def beanie_line_purchases():
    """`find_one` on the id compares the key as it is: an ObjectId finds its purchase, a string
    id (the shopper reference) finds nothing, before the fix as after."""
    lines = await PurchaseLine.find_all().sort(+PurchaseLine.sku).to_list()
    purchases = [await Purchase.find_one(Purchase.id == line.purchase_id) for line in lines]
    purchase_list = await Purchase.find_all().sort(+Purchase.id).to_list()
    shoppers = [await Shopper.find_one(Shopper.id == purchase.shopper_ref) for purchase in purchase_list]
    return {
        "totals": [purchase and purchase.total for purchase in purchases],
        "shoppers": [shopper and shopper.name for shopper in shoppers],
    }


@app.get("/beanie/no-purchases")
async def beanie_no_purchases():
    """No purchases at all: the batch queries an empty `$in`."""
    purchases = await Purchase.find(Purchase.total < 0).to_list()
    return [await Shopper.get(purchase.shopper_ref) for purchase in purchases]
