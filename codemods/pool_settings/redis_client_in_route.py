import json

import redis.asyncio as redis
from fastapi import APIRouter, Depends

REDIS_URL = "redis://cache:6379/0"

router = APIRouter()


@router.get("/sessions/{sid}")
async def read_session(sid: str):
    r = redis.from_url(REDIS_URL, decode_responses=True)
    raw = await r.get(f"session:{sid}")
    await r.aclose()
    return json.loads(raw) if raw else {}


@router.post("/counters/{name}")
async def bump(name: str):
    async with redis.Redis(host="cache", port=6379, db=1) as counters:
        value = await counters.incr(name)
        '''A multi-line string
        keeps its indentation.'''
    return {"value": value}


@router.delete("/sessions/{sid}")
async def drop_session(sid: str):
    if sid.startswith("tmp"):
        r = redis.from_url(REDIS_URL)
        await r.delete(f"session:{sid}")
    return {}


async def get_cache():
    # Handed to the route, which closes it: reported without a fix.
    cache = redis.from_url(REDIS_URL)
    yield cache


@router.get("/cached/{key}")
async def cached(key: str, cache=Depends(get_cache)):
    try:
        return {"value": await cache.get(key)}
    finally:
        await cache.aclose()
