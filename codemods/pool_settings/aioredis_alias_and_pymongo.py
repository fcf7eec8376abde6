from fastapi import FastAPI
from pymongo import AsyncMongoClient
from redis import asyncio as aioredis

app = FastAPI()
MONGO_URL = "mongodb://mongo:27017"


@app.get("/users/{user_id}")
async def read_user(user_id: str):
    client = AsyncMongoClient(MONGO_URL)
    user = await client.app.users.find_one({"_id": user_id})
    await client.close()
    return user or {}


@app.get("/flags")
async def flags():
    cache = aioredis.from_url("redis://cache:6379/2")
    try:
        return await cache.hgetall("flags")
    finally:
        await cache.aclose()


@app.get("/stock/{sku}")
async def stock(sku: str):
    cache = aioredis.from_url("redis://cache:6379/3")
    try:
        return int(await cache.get(sku) or 0)
    except aioredis.RedisError:
        return 0
    finally:
        await cache.aclose()
