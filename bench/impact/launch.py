"""Serves a copy of examples/shop-api with uvicorn (one worker, 127.0.0.1), MongoDB replaced in
process by mongomock-motor and seeded with a catalogue, so no database server is needed.

    python launch.py --app-dir DIR --port 8102 [--products 200]

The upstream URLs and file paths come from the app's own settings (`SHOP_*` environment
variables), as in a deployment.
"""
import argparse
import asyncio
import sys
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import mongomock.collection
import mongomock_motor
import motor.motor_asyncio
import uvicorn
from bson import ObjectId

TIERS = ["standard", "gold", "platinum"]
CATEGORIES = ["shoes", "jackets", "trousers", "shirts", "bags", "hats", "socks", "belts"]


def product_rows(count: int) -> list[dict]:
    return [
        {
            "sku": f"SKU-{i:04d}",
            "name": f"{CATEGORIES[i % len(CATEGORIES)].title()} model {i}",
            "category": CATEGORIES[i % len(CATEGORIES)],
            "description": "Hard-wearing, water-repellent, made to last. " * 3,
            "price_cents": 1990 + (i * 137) % 15000,
            "weight_grams": 200 + (i * 53) % 1800,
            "active": i % 25 != 0,
        }
        for i in range(1, count + 1)
    ]


def customer_rows(count: int) -> list[dict]:
    return [
        {"id": f"cust-{i:05d}", "name": f"Customer {i}", "email": f"customer{i}@example.com", "tier": TIERS[i % 3]}
        for i in range(1, count + 1)
    ]


def shipped_order_rows(count: int, customers: int) -> list[dict]:
    """Shipped orders; customers order several times, and every 9th order's account is gone."""
    return [
        {
            "customer_id": f"cust-{(i * 7) % customers + 1:05d}" if i % 9 else "cust-99999",
            "lines": [{"sku": f"SKU-{i % 200 + 1:04d}", "quantity": 1 + i % 3, "unit_price_cents": 1990 + i}],
            "shipping_address": {"name": "Ada Meyer", "street": "Torstraße 12", "postal_code": "10119", "city": "Berlin", "country": "DE"},
            "status": "shipped",
            "tracking_number": f"PH{i:08d}",
            "created_at": datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(minutes=i),
        }
        for i in range(1, count + 1)
    ]


def look_ids_up_directly() -> None:
    """MongoDB finds documents by `_id` through its index; mongomock scans the whole collection,
    which would make each order save slower the more orders a run has created. Answer a filter
    on `_id` alone, by equality or `$in`, from mongomock's own dict of documents instead."""
    scan = mongomock.collection.Collection._iter_documents
    id_types = (ObjectId, str, int)

    def iter_documents(self, filter):
        if isinstance(filter, dict) and list(filter) == ["_id"]:
            wanted = filter["_id"]
            if isinstance(wanted, id_types):
                return iter([self._store[wanted]] if wanted in self._store else [])
            if isinstance(wanted, dict) and list(wanted) == ["$in"] and all(isinstance(i, id_types) for i in wanted["$in"]):
                return iter([self._store[i] for i in dict.fromkeys(wanted["$in"]) if i in self._store])
        return scan(self, filter)

    mongomock.collection.Collection._iter_documents = iter_documents


def delay_database_commands(delay_s: float) -> None:
    """mongomock answers in process; a MongoDB server is a network round trip away. Make each
    command that reads or writes documents wait `delay_s` first."""
    def delayed(method):
        async def wait_then(self, *args, **kwargs):
            await asyncio.sleep(delay_s)
            return await method(self, *args, **kwargs)

        return wait_then

    commands = {
        mongomock_motor.AsyncMongoMockCollection: [
            "find_one", "insert_one", "insert_many", "replace_one", "update_one", "update_many",
            "delete_one", "delete_many", "count_documents",
        ],
        mongomock_motor.AsyncCursor: ["to_list"],
        mongomock_motor.AsyncLatentCommandCursor: ["to_list"],
    }
    for cls, names in commands.items():
        for name in names:
            setattr(cls, name, delayed(getattr(cls, name)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-dir", required=True, help="directory holding the `app` package")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--db-delay-ms", type=float, default=0, help="delay before each MongoDB command")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--shipped-orders", type=int, default=400)
    args = parser.parse_args()

    # app.main does `from motor.motor_asyncio import AsyncIOMotorClient`: swap it before the import.
    motor.motor_asyncio.AsyncIOMotorClient = mongomock_motor.AsyncMongoMockClient
    look_ids_up_directly()
    if args.db_delay_ms:
        delay_database_commands(args.db_delay_ms / 1000)
    sys.path.insert(0, args.app_dir)
    from app import main as shop
    from app.config import settings
    from app.models import Customer, Order, Product, StoreSettings

    app_lifespan = shop.app.router.lifespan_context

    @asynccontextmanager
    async def seeded_lifespan(app):
        async with app_lifespan(app) as state:
            await Product.insert_many([Product(**row) for row in product_rows(args.products)])
            await StoreSettings(store=settings.store_id).insert()
            await Customer.insert_many([Customer(**row) for row in customer_rows(args.customers)])
            await Order.insert_many([Order(**row) for row in shipped_order_rows(args.shipped_orders, args.customers)])
            yield state

    shop.app.router.lifespan_context = seeded_lifespan
    uvicorn.run(shop.app, host="127.0.0.1", port=args.port, workers=1, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
