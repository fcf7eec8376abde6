# PO305: a catalogue service's export routes, built on Beanie documents; each loads the whole
# collection with `.to_list()` and returns it.
from datetime import datetime

from beanie import Document
from fastapi import APIRouter, Response

router = APIRouter(prefix="/admin")


class Product(Document):
    sku: str
    name: str
    price: float


class Order(Document):
    number: str
    status: str
    total: float
    created_at: datetime

    def summary(self) -> dict:
        return {"number": self.number, "total": self.total}


# fires, fixed: the whole collection returned as it is.
@router.get("/products/export")
async def export_products():
    return await Product.find_all().to_list()


# fires, fixed: a filtered, sorted query through a name, then a per-item comprehension.
@router.get("/orders/dump")
async def dump_paid_orders(since: datetime):
    orders = await Order.find(Order.status == "paid", Order.created_at >= since).sort(-Order.created_at).to_list()
    # Refunded orders have a zero total.
    return [order.summary() for order in orders if order.total > 0]


# fires, no fix: the list is counted before it is returned.
@router.get("/products/download")
async def download_products():
    products = await Product.find_all().to_list()
    print(f"exporting {len(products)} products")
    return products


# fires, no fix: sorted in Python after loading.
@router.get("/orders/all")
async def all_orders_by_total():
    orders = await Order.find_all().to_list()
    return sorted(orders, key=lambda order: order.total)


# fires, no fix: a failed export becomes a 503 only while the list is built in the handler.
@router.get("/backup")
async def backup_products():
    try:
        return await Product.find_all().to_list()
    except ConnectionError:
        return {"error": "database unavailable"}


# fires, no fix: the download name set on `response` would be lost on a returned response.
@router.get("/orders/export.json")
async def export_orders_file(response: Response):
    response.headers["Content-Disposition"] = 'attachment; filename="orders.json"'
    return await Order.find_all().to_list()
