"""A client per request over one module-level pool: the pool, not the client, holds the
connections, and `aclose()` leaves a pool it was given open."""

import redis.asyncio as redis
from fastapi import FastAPI

app = FastAPI()
pool = redis.BlockingConnectionPool.from_url("redis://cache:6379/0", max_connections=50)


@app.get("/sessions/{sid}")
async def read_session(sid: str):
    r = redis.Redis(connection_pool=pool)
    try:
        return {"session": await r.hgetall(f"session:{sid}")}
    finally:
        await r.aclose()
