"""Lifespans that are not decorated: they run once per app, not per request."""

from contextlib import asynccontextmanager

import redis.asyncio as redis
from fastapi import FastAPI

REDIS_URL = "redis://cache:6379/0"


async def cache_lifespan(app: FastAPI):
    app.state.cache = redis.from_url(REDIS_URL)
    yield
    await app.state.cache.aclose()


async def open_clients(app):
    client = redis.from_url(REDIS_URL)
    app.state.sessions = client
    yield
    await client.aclose()


app = FastAPI(lifespan=asynccontextmanager(cache_lifespan))
worker = FastAPI()
worker.router.lifespan_context = asynccontextmanager(open_clients)
