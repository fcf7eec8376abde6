"""Serves a copy of examples/shop-api with uvicorn (one worker, 127.0.0.1), MongoDB replaced in
process by mongomock-motor and seeded with a catalogue, so no database server is needed.

    python launch.py --app-dir DIR --port 8102 [--products 200]

The upstream URLs and file paths come from the app's own settings (`SHOP_*` environment
variables), as in a deployment.
"""
import argparse
import sys
from contextlib import asynccontextmanager

import mongomock.collection
import mongomock_motor
import motor.motor_asyncio
import uvicorn
from bson import ObjectId

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


def look_ids_up_directly() -> None:
    """MongoDB finds a document by `_id` through its index; mongomock scans the whole collection,
    which would make each order save slower the more orders a run has created. Answer an equality
    filter on `_id` alone from mongomock's own dict of documents instead."""
    scan = mongomock.collection.Collection._iter_documents

    def iter_documents(self, filter):
        if isinstance(filter, dict) and list(filter) == ["_id"] and isinstance(filter["_id"], (ObjectId, str, int)):
            return iter([self._store[filter["_id"]]] if filter["_id"] in self._store else [])
        return scan(self, filter)

    mongomock.collection.Collection._iter_documents = iter_documents


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-dir", required=True, help="directory holding the `app` package")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--products", type=int, default=200)
    args = parser.parse_args()

    # app.main does `from motor.motor_asyncio import AsyncIOMotorClient`: swap it before the import.
    motor.motor_asyncio.AsyncIOMotorClient = mongomock_motor.AsyncMongoMockClient
    look_ids_up_directly()
    sys.path.insert(0, args.app_dir)
    from app import main as shop
    from app.config import settings
    from app.models import Product, StoreSettings

    app_lifespan = shop.app.router.lifespan_context

    @asynccontextmanager
    async def seeded_lifespan(app):
        async with app_lifespan(app) as state:
            await Product.insert_many([Product(**row) for row in product_rows(args.products)])
            await StoreSettings(store=settings.store_id).insert()
            yield state

    shop.app.router.lifespan_context = seeded_lifespan
    uvicorn.run(shop.app, host="127.0.0.1", port=args.port, workers=1, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
