from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from app.clients import AsyncIOMotorClient, NullPool, from_url

app = FastAPI()
engine = create_async_engine("sqlite+aiosqlite:///./app.db", poolclass=NullPool)


async def get_client():
    return AsyncIOMotorClient("mongodb://mongo")


@app.get("/x")
async def x(client=Depends(get_client)):
    cache = from_url("redis://cache", max_connections=2)
    return await cache.get("x")
