"""A maintenance script: sync PyMongo and redis, run once."""

import asyncio

import redis
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import MongoClient


def reindex():
    client = MongoClient("mongodb://mongo:27017")
    client.shop.items.create_index("sku")
    r = redis.Redis(host="cache")
    r.flushdb()


async def main():
    client = AsyncIOMotorClient("mongodb://mongo:27017")
    print(await client.list_database_names())


if __name__ == "__main__":
    reindex()
    asyncio.run(main())
