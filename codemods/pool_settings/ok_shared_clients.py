from contextlib import asynccontextmanager

import redis.asyncio as redis
from fastapi import FastAPI, Request
from motor.motor_asyncio import AsyncIOMotorClient
from sqlalchemy.ext.asyncio import create_async_engine

mongo = AsyncIOMotorClient("mongodb://mongo:27017")
engine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=10)
cache = redis.from_url("redis://cache:6379/0")


@asynccontextmanager
async def lifespan(app: FastAPI):
    client = redis.from_url("redis://cache:6379/1")
    yield {"sessions": client}
    await client.aclose()


app = FastAPI(lifespan=lifespan)


@app.get("/items/{item_id}")
async def read_item(item_id: str, request: Request):
    await request.state.sessions.incr("reads")
    return await mongo.shop.items.find_one({"_id": item_id})


async def refresh_cache():
    # A background job, not a request: one client per run is fine.
    client = redis.from_url("redis://cache:6379/2")
    await client.flushdb()
    await client.aclose()


async def legacy_lifespan(app):
    # An async generator passed as `lifespan=` runs once, not per request.
    client = redis.from_url("redis://cache:6379/3")
    yield
    await client.aclose()


legacy = FastAPI(lifespan=legacy_lifespan)
