"""A module-level helper already has the name the shared client would get."""

from fastapi import Depends, FastAPI
from motor.motor_asyncio import AsyncIOMotorClient

MONGO_URL = "mongodb://mongo:27017"

app = FastAPI()


def _get_db_client():
    # Used by the maintenance scripts.
    return AsyncIOMotorClient(MONGO_URL)


async def get_db():
    client = AsyncIOMotorClient(MONGO_URL)
    try:
        yield client.shop
    finally:
        client.close()


@app.get("/items/{sku}")
async def read_item(sku: str, db=Depends(get_db)):
    return await db.items.find_one({"_id": sku}, {"_id": 0})
