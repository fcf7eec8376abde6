import redis.asyncio as redis
from fastapi import FastAPI

app = FastAPI()


@app.get("/hits")
async def hits():
    client = redis.from_url("redis://cache:6379/0")
    n = await client.incr("hits")
    await client.aclose()
    return {"hits": n}
