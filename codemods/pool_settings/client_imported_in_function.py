from fastapi import Depends, FastAPI

from app.config import settings

app = FastAPI()


async def get_db():
    # Motor is optional: imported where it is used, so unknown at module level.
    from motor.motor_asyncio import AsyncIOMotorClient

    client = AsyncIOMotorClient(settings.mongo_url)
    try:
        yield client[settings.mongo_db]
    finally:
        client.close()


@app.get("/items/{sku}")
async def read_item(sku: str, db=Depends(get_db)):
    import redis.asyncio as redis

    cache = redis.from_url(settings.redis_url)
    hit = await cache.get(sku)
    await cache.aclose()
    return {"cached": hit is not None, "item": await db.items.find_one({"_id": sku}, {"_id": 0})}
