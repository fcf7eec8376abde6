# PO206 must stay quiet: counts already in the database, lists used besides len, look-alikes.
import polars as pl
from beanie import Document
from bs4 import BeautifulSoup
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

app = FastAPI()


class Order(Document):
    customer: str
    status: str


class OrderIn(BaseModel):
    customer: str


async def get_session():
    raise NotImplementedError


# quiet: already a count query
@app.get("/orders/count")
async def order_count():
    return await Order.find(Order.status == "open").count()


# quiet: the list is returned too, so it is loaded anyway
@app.get("/orders")
async def orders_with_total():
    orders = await Order.find_all().to_list()
    return {"items": orders, "total": len(orders)}


# quiet: the list is iterated as well as counted
@app.get("/orders/customers")
async def customers():
    orders = await Order.find_all().to_list()
    names = {o.customer for o in orders}
    return {"orders": len(orders), "customers": len(names)}


# quiet: polars' to_list and BeautifulSoup's find_all are not queries
@app.get("/report")
async def report(html: str):
    frame = pl.DataFrame({"a": [1, 2, 3]})
    links = BeautifulSoup(html, "html.parser").find_all("a")
    return {"values": len(frame["a"].to_list()), "links": len(links)}


# quiet: OrderIn is a pydantic model, not a Document
@app.get("/inputs")
async def inputs(service):
    return len(await OrderIn.find().to_list())


# quiet: a SQL count already, and a column select
@app.get("/items/count")
async def items_count(session: AsyncSession = Depends(get_session)):
    total = await session.scalar(select(func.count()).select_from(Order))
    names = (await session.scalars(select(Order.customer))).all()
    return {"total": total, "names": len(names)}


# quiet: a shared session result read in a gather is not counted here
@app.get("/statuses")
async def statuses(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Order))
    rows = result.scalars().all()
    return [row.status for row in rows]


# quiet: a local len shadows the builtin
@app.get("/shadowed")
async def shadowed():
    def len(items):
        return 0

    return len(await Order.find_all().to_list())


# quiet: a synchronous helper cannot await a count
def count_sync(rows):
    return len(rows)
