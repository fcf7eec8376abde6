# PO101 ok: the geocoder/notify service written correctly with a shared `httpx.AsyncClient`.
import httpx
from fastapi import FastAPI, HTTPException

app = FastAPI()

GEOCODER_URL = "https://geocoder.internal.example.com/v2/lookup"
NOTIFY_URL = "https://notify.internal.example.com/v1/messages"


@app.on_event("startup")
async def open_client():
    app.state.http = httpx.AsyncClient(timeout=5.0)


@app.on_event("shutdown")
async def close_client():
    await app.state.http.aclose()


@app.get("/stores/{store_id}/location")
async def store_location(store_id: int):
    store = await app.state.db.fetch_store(store_id)
    if store is None:
        raise HTTPException(status_code=404, detail="store not found")
    resp = await app.state.http.get(GEOCODER_URL, params={"city": store.city})
    resp.raise_for_status()
    return resp.json()


@app.post("/stores/{store_id}/notify")
async def notify_manager(store_id: int, message: str):
    async with httpx.AsyncClient(timeout=10.0) as client:
        resp = await client.post(NOTIFY_URL, json={"store": store_id, "text": message})
    return {"status": resp.status_code}
