# PO101 ok: `.get` on dicts, headers, a cache and the settings object is not an HTTP call.
import os

from fastapi import FastAPI, Request

app = FastAPI()

DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "en")
cache: dict[str, dict] = {}


@app.get("/profile/{user_id}")
async def profile(user_id: str, request: Request):
    key = f"profile:{user_id}"
    hit = cache.get(key)
    if hit is not None:
        return hit
    locale = request.headers.get("Accept-Language", DEFAULT_LOCALE)
    tenant = request.query_params.get("tenant")
    row = await app.state.db.fetch_one("SELECT * FROM profiles WHERE id = :id", {"id": user_id})
    result = {"id": user_id, "name": row.get("name"), "locale": locale, "tenant": tenant}
    cache[key] = result
    return result
