# PO105 ok: handlers that never await and call `.get` on dicts and headers, which is
# not blocking I/O.
from fastapi import FastAPI, Request

app = FastAPI()

cache: dict[str, dict] = {}
PLANS = {"free": {"seats": 1}, "team": {"seats": 10}, "business": {"seats": 100}}


@app.get("/plans/{name}")
async def plan(name: str, request: Request):
    hit = cache.get(name)
    if hit is not None:
        return hit
    locale = request.headers.get("Accept-Language", "en")
    spec = PLANS.get(name, {"seats": 0})
    result = {"plan": name, "seats": spec["seats"], "locale": locale}
    cache[name] = result
    return result
