# PO201: Beanie queries per order that fire without a fix: the batch would change what they return.
from beanie import Document, PydanticObjectId
from fastapi import APIRouter

router = APIRouter(prefix="/shop")


class User(Document):
    name: str


class Order(Document):
    buyer_id: PydanticObjectId
    total: float


class Item(Document):
    order_id: PydanticObjectId
    price: float


# fires, no fix: `fetch_links=True` would be dropped by the batch
@router.get("/orders/buyers")
async def buyers_with_links():
    orders = await Order.find_all().to_list()
    return [await User.get(o.buyer_id, fetch_links=True) for o in orders]


# fires, no fix: the second filter reads the order, which is unbound before the loop
@router.get("/orders/dear-items")
async def dearer_items():
    orders = await Order.find_all().to_list()
    counts = []
    for o in orders:
        items = await Item.find(Item.order_id == o.id, Item.price > o.total).to_list()
        counts.append(len(items))
    return counts


# fires, no fix: the await makes the generator asynchronous
@router.get("/orders/buyer-names")
async def buyer_names():
    orders = await Order.find_all().to_list()
    buyers = (await User.get(o.buyer_id) for o in orders)
    return [u.name async for u in buyers if u]


# fires, no fix: an `elif` condition runs only when reached, a `while` condition on every pass
@router.get("/orders/check")
async def check_buyers(strict: bool):
    orders = await Order.find_all().to_list()
    if strict:
        return False
    elif [await User.get(o.buyer_id) for o in orders]:
        return True
    while not [await User.get(o.buyer_id) for o in orders]:
        return None
    return False


# fires, no fix: the second filter reads `limit`, which only the outer comprehension binds
@router.get("/orders/items-over")
async def items_over_limits():
    orders = await Order.find_all().to_list()
    return {
        limit: [len(await Item.find(Item.order_id == o.id, Item.price > limit).to_list()) for o in orders]
        for limit in (10, 100)
    }


# fires, no fix: the loop changes the fetched buyer; the batch would share one per key
@router.get("/orders/balances")
async def running_balances():
    orders = await Order.find_all().to_list()
    balances = []
    for o in orders:
        buyer = await User.get(o.buyer_id)
        buyer.name = f"{buyer.name} ({o.total})"
        balances.append(buyer.name)
    return balances


# fires, no fix: the body binds the order again before the query; the key is not the item's
@router.get("/orders/latest-buyers")
async def latest_buyers():
    orders = await Order.find_all().to_list()
    names = []
    for o in orders:
        o = await Order.find_one(Order.buyer_id == o.buyer_id)
        buyer = await User.get(o.buyer_id)
        names.append(buyer.name)
    return names
