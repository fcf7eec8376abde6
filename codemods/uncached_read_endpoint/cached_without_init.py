# PO301: `@cache` is used but the app never initialises fastapi-cache2: every call of the
# endpoint fails with "You must call init first!" (a 500).
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_cache.decorator import cache

from app.db import database
from app.models import Product


@asynccontextmanager
async def lifespan(app: FastAPI):
    await database.connect()
    try:
        yield
    finally:
        await database.disconnect()


app = FastAPI(lifespan=lifespan)


@app.get("/products/count")
@cache(expire=30)
async def product_count():
    return {"count": await Product.count()}
