"""Catalogue service: a small FastAPI app written the way services are, with the anti-patterns
perfopt rewrites (PO101-PO108, PO301, PO303, PO304, PO306) in the places they usually hide.

The behaviour test (`run_app_behaviour.py`) imports it before and after `perfopt fix --unsafe`
and calls every endpoint. Configuration comes from the environment:
  UPSTREAM_URL   base URL of the inventory/pricing upstream (upstream.py)
  APP_DATA_DIR   folder holding banner.txt, prices.json and flags.json
"""
import json
import os
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path

import httpx
import requests
from fastapi import Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel

UPSTREAM = os.environ["UPSTREAM_URL"]
DATA_DIR = Path(os.environ["APP_DATA_DIR"])

app = FastAPI(title="Catalogue", version="2.3.1")


class OrderIn(BaseModel):
    sku: str
    qty: int = 1
    note: str | None = None


# --- dependencies -------------------------------------------------------------------------


@lru_cache(maxsize=1)
async def get_settings() -> dict:
    # Loaded once per process (or so the author thought: lru_cache caches the coroutine).
    async with httpx.AsyncClient(timeout=5) as client:
        upstream = (await client.get(f"{UPSTREAM}/json")).json()
    return {"region": "eu-west", "service": upstream["service"], "features": upstream["items"]}


class DbSession:
    """Stands for a database session: a new object per request, whose repr differs each time."""


async def get_db():
    yield DbSession()


# --- helpers --------------------------------------------------------------------------------


async def fetch_item(item_id: int) -> dict:
    async with httpx.AsyncClient(timeout=5) as client:
        r = await client.get(f"{UPSTREAM}/echo", params={"id": item_id})
        r.raise_for_status()
        return {"id": item_id, "query": r.json()["query"]}


async def fetch_price(item_id: int) -> dict:
    # Later items answer first, so an implementation that collects results in completion order
    # instead of item order would be caught.
    async with httpx.AsyncClient(timeout=5) as client:
        r = await client.get(f"{UPSTREAM}/delay", params={"id": item_id, "ms": max(0, 60 - 10 * item_id)})
    return {"id": item_id, "echo": r.json()}


async def current_stock(sku: str) -> dict:
    async with httpx.AsyncClient() as client:
        resp = await client.get(f"{UPSTREAM}/json", params={"sku": sku})
    return resp.json()


# --- routes ---------------------------------------------------------------------------------


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


@app.get("/settings")
async def show_settings(settings: dict = Depends(get_settings)):
    return {"settings": settings}


@app.get("/products/search")
async def search_products(q: str, page: int = 1):
    # No timeout: requests waits for ever (PO306), and blocks the loop meanwhile (PO101).
    r = requests.get(f"{UPSTREAM}/echo", params={"q": q, "page": page})
    stock = await current_stock(q)
    return {"results": r.json(), "ok": r.ok, "stock": stock}


@app.post("/orders", status_code=201)
async def create_order(order: OrderIn):
    try:
        r = requests.post(f"{UPSTREAM}/echo", json=order.model_dump(), timeout=5)
        r.raise_for_status()
    except requests.HTTPError as exc:
        raise HTTPException(status_code=502, detail="order service failed") from exc
    stock = await current_stock(order.sku)
    return {"accepted": r.json()["body"], "method": r.json()["method"], "stock": stock["ok"]}


@app.get("/orders/{order_id}/status")
async def order_status(order_id: str):
    stock = await current_stock(order_id)
    try:
        r = requests.get(f"{UPSTREAM}/status/404", timeout=5)
        r.raise_for_status()
    except requests.HTTPError as exc:
        raise HTTPException(status_code=404, detail=f"order {order_id} not found upstream") from exc
    return {"order": order_id, "stock": stock}


@app.get("/legacy/catalogue")
async def legacy_catalogue():
    stock = await current_stock("legacy")
    r = requests.get(f"{UPSTREAM}/redirect", timeout=5)
    return {"final": r.json(), "hops": len(r.history), "status": r.status_code, "stock": stock["ok"]}


@app.put("/blobs/{name}")
async def upload_blob(name: str):
    r = requests.put(f"{UPSTREAM}/echo", data=b"blob:" + name.encode(), timeout=5)
    stock = await current_stock(name)
    return {"status": r.status_code, "echo": r.json(), "stock": stock["ok"]}


@app.get("/reports/daily")
async def daily_report():
    time.sleep(0.05)  # wait for the nightly export to settle
    stock = await current_stock("report")
    return {"report": "daily", "items": stock["items"]}


@app.get("/banner")
async def banner():
    text = (DATA_DIR / "banner.txt").read_text(encoding="utf-8")
    stock = await current_stock("banner")
    return {"banner": text.strip(), "stock": stock["ok"]}


@app.get("/prices")
async def prices(currency: str = "EUR"):
    with open(DATA_DIR / "prices.json", encoding="utf-8") as f:
        table = json.load(f)
    stock = await current_stock("prices")
    return {"currency": currency, "prices": table[currency], "stock": stock["ok"]}


@app.get("/version")
async def version():
    out = subprocess.run(
        [sys.executable, "-c", "print(42)"], capture_output=True, text=True, check=True
    )
    stock = await current_stock("version")
    return {"build": out.stdout.strip(), "returncode": out.returncode, "stock": stock["ok"]}


@app.get("/flags")
async def flags():
    # Never awaits: everything here blocks (PO105 makes it a plain def).
    raw = Path(DATA_DIR / "flags.json").read_text()
    r = requests.get(f"{UPSTREAM}/json", timeout=5)
    return {"flags": json.loads(raw), "upstream": r.json()["service"]}


@app.get("/bundles/{bundle_id}")
async def bundle(bundle_id: int, ids: str = Query("1,2,3,4,5")):
    item_ids = [int(part) for part in ids.split(",")]
    items = []
    for item_id in item_ids:
        items.append(await fetch_item(item_id))
    return {"bundle": bundle_id, "items": items}


@app.get("/bundles/{bundle_id}/prices")
async def bundle_prices(bundle_id: int, ids: str = Query("1,2,3,4,5")):
    item_ids = [int(part) for part in ids.split(",")]
    quotes = [await fetch_price(item_id) for item_id in item_ids]
    return {"bundle": bundle_id, "quotes": quotes}


@app.get("/catalogue")
async def catalogue():
    stock = await current_stock("all")
    return [
        {"sku": f"SKU-{n:04d}", "name": f"Product {n}", "price": round(n * 1.25, 2), "in_stock": n % 3 != 0,
         "tags": stock["items"]}
        for n in range(120)
    ]


@app.get("/stock/{sku}")
async def stock_level(sku: str, db: DbSession = Depends(get_db)):
    # Only reads (PO301); its per-request dependency keeps fastapi-cache2's default key from hitting.
    return {"sku": sku, "stock": await current_stock(sku)}
