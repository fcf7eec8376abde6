"""Class-based dependencies: each `__call__` builds its own client per request."""

from fastapi import Depends, FastAPI
import redis.asyncio as redis
from motor.motor_asyncio import AsyncIOMotorClient

ORDERS_URL = "mongodb://orders:27017"
AUDIT_URL = "mongodb://audit:27017"
REDIS_URL = "redis://cache:6379/0"

app = FastAPI()


class OrdersDatabase:
    def __init__(self, name: str):
        self.name = name

    async def __call__(self):
        client = AsyncIOMotorClient(ORDERS_URL)
        try:
            yield client[self.name]
        finally:
            client.close()


class AuditDatabase:
    async def __call__(self):
        client = AsyncIOMotorClient(AUDIT_URL)
        try:
            yield client["audit"]
        finally:
            client.close()


class RateLimiter:
    def __init__(self, per_minute: int):
        self.per_minute = per_minute

    async def __call__(self):
        counter = redis.from_url(REDIS_URL)
        hits = await counter.incr("orders:hits")
        await counter.aclose()
        return hits <= self.per_minute


rate_limit = RateLimiter(600)


@app.get("/orders/{order_id}", dependencies=[Depends(rate_limit)])
async def read_order(
    order_id: str,
    db=Depends(OrdersDatabase("shop")),
    audit=Depends(AuditDatabase()),
):
    await audit.reads.insert_one({"order": order_id})
    return await db.orders.find_one({"_id": order_id}, {"_id": 0})
