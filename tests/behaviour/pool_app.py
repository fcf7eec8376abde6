"""A FastAPI app with the shapes PO207 rewrites: a Motor client per request in a dependency, a
redis.asyncio client per request in a route and in a class-based dependency, and an async
engine on NullPool. The behaviour driver runs it before and after
`perfopt fix --unsafe --select PO207`, with stand-ins for the MongoDB and Redis servers."""

import os

from fastapi import Depends, FastAPI
from motor.motor_asyncio import AsyncIOMotorClient
from redis import asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

MONGO_URL = "mongodb://127.0.0.1:27017"
REDIS_URL = "redis://127.0.0.1:6379/0"

engine = create_async_engine(os.environ["POOL_APP_DB"], poolclass=NullPool)
app = FastAPI()


async def get_db():
    client = AsyncIOMotorClient(MONGO_URL, serverSelectionTimeoutMS=2000)
    try:
        yield client["shop"]
    finally:
        client.close()


@app.put("/items/{sku}")
async def put_item(sku: str, qty: int, db=Depends(get_db)):
    await db.items.update_one({"_id": sku}, {"$set": {"qty": qty}}, upsert=True)
    return {"sku": sku, "qty": qty}


@app.get("/items/{sku}")
async def get_item(sku: str, db=Depends(get_db)):
    return await db.items.find_one({"_id": sku}) or {}


@app.get("/hits/{page}")
async def hits(page: str):
    r = aioredis.from_url(REDIS_URL, decode_responses=True)
    count = await r.incr(f"hits:{page}")
    await r.aclose()
    return {"page": page, "hits": count}


class VisitCounter:
    """A class-based dependency: FastAPI calls the instance on every request."""

    def __init__(self, key: str):
        self.key = key

    async def __call__(self):
        r = aioredis.from_url(REDIS_URL)
        count = await r.incr(self.key)
        await r.aclose()
        return count


@app.get("/visits")
async def visits(count: int = Depends(VisitCounter("visits"))):
    return {"visits": count}


@app.get("/sum/{a}/{b}")
async def add(a: int, b: int):
    async with engine.connect() as connection:
        return {"sum": (await connection.execute(text("SELECT :a + :b"), {"a": a, "b": b})).scalar()}
