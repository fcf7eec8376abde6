import json
import os
import platform
import secrets
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from fastapi import APIRouter, Depends, Header, HTTPException
from fastapi.responses import PlainTextResponse
from motor.motor_asyncio import AsyncIOMotorClient

from app.config import Settings, get_settings, settings
from app.models import Customer, Order, OrderStatus, Product, RestockItem, StockLevel
from app.services import inventory


async def require_admin(
    x_admin_token: str = Header(...),
    settings: Settings = Depends(get_settings),
) -> None:
    if not secrets.compare_digest(x_admin_token, settings.admin_token):
        raise HTTPException(status_code=403, detail="forbidden")


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


async def get_reports_db():
    # The reports aggregate with Motor directly, outside Beanie.
    client = AsyncIOMotorClient(settings.mongo_url, serverSelectionTimeoutMS=5000)
    try:
        yield client[settings.mongo_db]
    finally:
        client.close()


def _timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


@router.get("/version")
async def version():
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {"commit": result.stdout.strip(), "python": platform.python_version()}


@router.post("/catalog/import")
async def import_catalog(settings: Settings = Depends(get_settings)):
    with open(settings.catalog_seed_path) as f:
        data = json.load(f)

    result = await Product.insert_many([Product(**row) for row in data["products"]])
    return {"imported": len(result.inserted_ids)}


@router.get("/orders/export", response_model=list[Order])
async def download_orders():
    # Finance pulls every order into their reporting spreadsheet each morning.
    return await Order.find_all().sort(+Order.created_at).to_list()


@router.post("/customers/import")
async def import_customers(rows: list[dict]):
    # The CRM export arrives as one JSON list; each customer is stored as it is read.
    for row in rows:
        customer = Customer(**row)
        await customer.insert()
    return {"imported": len(rows)}


@router.get("/reports/pending")
async def pending_orders():
    # The operations dashboard polls this every few seconds.
    pending = await Order.find(Order.status == OrderStatus.PENDING).to_list()
    return {"pending": len(pending)}


@router.get("/reports/orders-by-status")
async def orders_by_status(db=Depends(get_reports_db)):
    pipeline = [{"$group": {"_id": "$status", "count": {"$sum": 1}}}]
    return {row["_id"]: row["count"] async for row in db.orders.aggregate(pipeline)}


@router.get("/reports/price-list.csv", response_class=PlainTextResponse)
async def price_report():
    # Merchandising checks names and prices; descriptions and weights are not needed.
    products = await Product.find_all().to_list()
    return "\n".join(f"{p.name};{p.price_cents / 100:.2f}" for p in products)


@router.post("/orders/export")
async def export_orders(settings: Settings = Depends(get_settings)):
    orders = await Order.find_all().to_list()
    path = Path(settings.export_dir) / f"orders-{_timestamp()}.json"
    path.write_text(json.dumps([o.model_dump(mode="json") for o in orders], indent=2))
    return {"file": str(path), "count": len(orders)}


@router.post("/backup")
async def backup(settings: Settings = Depends(get_settings)):
    archive = os.path.join(settings.backup_dir, f"shop-{_timestamp()}.archive.gz")
    exit_code = os.system(f"mongodump --uri={settings.mongo_url} --db={settings.mongo_db} --gzip --archive={archive}")
    if exit_code != 0:
        raise HTTPException(status_code=500, detail="mongodump failed, check server logs")
    return {"archive": archive}


@router.post("/restock")
async def restock(items: list[RestockItem]):
    po_numbers = await inventory.restock_from_supplier(items)
    return {"requested": len(items), "confirmed": po_numbers}


@router.get("/inventory/snapshot", response_model=list[StockLevel])
async def inventory_snapshot():
    return await inventory.warehouse_snapshot()
