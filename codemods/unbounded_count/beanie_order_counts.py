# PO206: order statistics that load whole Beanie result lists only to count them.
from datetime import datetime

from beanie import Document
from fastapi import APIRouter

router = APIRouter(prefix="/stats")


class Order(Document):
    customer: str
    status: str
    created_at: datetime

    class Settings:
        name = "orders"


# fires: a filtered find, counted inline
@router.get("/orders/open")
async def open_orders():
    return {"open": len(await Order.find(Order.status == "open").to_list())}


# fires: the whole collection, the sort stays (it does not change the count)
@router.get("/orders/total")
async def total_orders():
    total = len(await Order.find_all().sort(-Order.created_at).to_list())
    return {"total": total}


# fires: the list is stored first and used only for len(...), twice
@router.get("/customers/{customer}/orders")
async def customer_order_count(customer: str):
    orders = await Order.find(Order.customer == customer, Order.status != "cancelled").to_list()
    if len(orders) == 0:
        return {"customer": customer, "orders": 0}
    return {"customer": customer, "orders": len(orders)}


# fires: a chain written over several lines keeps its lines (in brackets)
@router.get("/orders/recent")
async def recent_orders(since: datetime):
    recent = len(
        await Order.find(Order.created_at >= since)
        .sort(-Order.created_at)
        .to_list()
    )
    return {"recent": recent}


# fires, no fix: a limit makes the length differ from the count
@router.get("/orders/first-page")
async def first_page_size():
    return {"size": len(await Order.find(Order.status == "open").limit(50).to_list())}


# fires, no fix: to_list(n) stops at n
@router.get("/orders/sample")
async def sample_size():
    return {"size": len(await Order.find_all().to_list(10))}


# fires, no fix: skip= in the find
@router.get("/orders/after-first")
async def after_first():
    return {"rest": len(await Order.find(Order.status == "open", skip=1).to_list())}
