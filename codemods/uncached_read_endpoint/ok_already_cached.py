# PO301: routes cached with fastapi-cache2 on an app that initialises it.
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_cache import FastAPICache
from fastapi_cache.backends.inmemory import InMemoryBackend
from fastapi_cache.decorator import cache

from app.models import Product


@asynccontextmanager
async def lifespan(app: FastAPI):
    FastAPICache.init(InMemoryBackend(), prefix="shop")
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/products/count")
@cache(expire=30)
async def product_count():
    return {"count": await Product.count()}
