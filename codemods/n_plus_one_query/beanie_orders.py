# PO201: Beanie routes that query once per order.
from typing import Optional

from beanie import Document, Link, PydanticObjectId
from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/shop")


class Customer(Document):
    name: str
    email: str


class Order(Document):
    customer_id: PydanticObjectId
    total: float
    status: str = "open"


class Item(Document):
    order_id: PydanticObjectId
    sku: str
    position: int


class Author(Document):
    name: str


class Post(Document):
    title: str
    author: Link[Author]
    editor: Optional[Link[Author]] = None


# fires: `get` per order, collected with append
@router.get("/orders")
async def list_orders():
    orders = await Order.find(Order.status == "open").sort(+Order.id).to_list()
    out = []
    for order in orders:
        customer = await Customer.get(order.customer_id)  # the customer may be gone
        out.append({"id": str(order.id), "customer": customer.name if customer else None})
    return out


# fires: a comprehension over ids taken from the orders
@router.get("/orders/customers")
async def order_customers():
    orders = await Order.find_all().to_list()
    customer_ids = [o.customer_id for o in orders]
    return [await Customer.find_one(Customer.id == cid) for cid in customer_ids]


# fires: the items of each order, sorted, grouped per key after the fix
@router.get("/orders/{status}/items")
async def order_items(status: str):
    orders = await Order.find(Order.status == status).to_list()
    result = {}
    for order in orders:
        items = await Item.find(
            Item.order_id == order.id,
        ).sort(+Item.position).to_list()
        result[str(order.id)] = [item.sku for item in items]
    return result


# fires: a Link fetched per post
@router.get("/posts")
async def list_posts():
    posts = await Post.find_all().to_list()
    return [{"title": p.title, "author": (await p.author.fetch()).name} for p in posts]


# fires, no fix: `find_one` on a field that is not the id
@router.get("/customers/by-email")
async def customers_by_email():
    orders = await Order.find_all().to_list()
    names = []
    for order in orders:
        match = await Customer.find_one(Customer.email == order.status)
        names.append(match and match.name)
    return names


# fires, no fix: the loop writes
@router.post("/orders/close")
async def close_orders():
    orders = await Order.find(Order.status == "open").to_list()
    for order in orders:
        customer = await Customer.get(order.customer_id)
        if customer is None:
            raise HTTPException(404)
        order.status = "closed"
        await order.save()
    return {"closed": len(orders)}


# fires, no fix: each item's failure is handled on its own
@router.get("/orders/safe")
async def safe_orders():
    orders = await Order.find_all().to_list()
    names = []
    for order in orders:
        try:
            customer = await Customer.get(order.customer_id)
        except ValueError:
            customer = None
        names.append(customer)
    return names


# fires, no fix: the ids come from the request, not from a local query
@router.post("/customers/lookup")
async def lookup_customers(ids: list[str]):
    return [await Customer.get(i) for i in ids]


# fires, no fix: only some orders look their customer up
@router.get("/orders/big")
async def big_orders():
    orders = await Order.find_all().to_list()
    return [await Customer.get(o.customer_id) for o in orders if o.total > 100]


# fires, no fix: a per-key limit cannot be batched
@router.get("/orders/first-items")
async def first_items():
    orders = await Order.find_all().to_list()
    firsts = []
    for order in orders:
        firsts.append(await Item.find(Item.order_id == order.id).limit(1).to_list())
    return firsts
