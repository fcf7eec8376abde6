"""Orders API: a Motor client per request in the `get_db` dependency."""

from fastapi import Depends, FastAPI
from motor.motor_asyncio import AsyncIOMotorClient

from app.config import settings

app = FastAPI()


async def get_db():
    # One client per request: a new pool, a new connection, a new server monitor.
    client = AsyncIOMotorClient(settings.mongo_url, serverSelectionTimeoutMS=5000)
    try:
        yield client[settings.mongo_db]
    finally:
        client.close()


@app.get("/orders/{order_id}")
async def read_order(order_id: str, db=Depends(get_db)):
    return await db.orders.find_one({"_id": order_id}, {"_id": 0})


async def get_tenant_db(tenant: str):
    # Depends on the request: reported without a fix.
    client = AsyncIOMotorClient(f"mongodb://db-{tenant}:27017")
    return client[tenant]


@app.get("/tenants/{tenant}/orders")
async def tenant_orders(tenant: str, db=Depends(get_tenant_db)):
    return await db.orders.find({}, {"_id": 0}).to_list(100)
