# PO105 ok: async handlers that never await but do no blocking work either (pure
# computation on the request data); turning them into `def` would gain nothing.
import hashlib
import json

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class CartItem(BaseModel):
    sku: str
    quantity: int
    unit_price_cents: int


@app.post("/cart/total")
async def cart_total(items: list[CartItem]):
    subtotal = sum(i.quantity * i.unit_price_cents for i in items)
    vat = round(subtotal * 0.21)
    return {"subtotal_cents": subtotal, "vat_cents": vat, "total_cents": subtotal + vat}


@app.post("/cart/fingerprint")
async def cart_fingerprint(items: list[CartItem]):
    canonical = json.dumps([i.model_dump() for i in sorted(items, key=lambda i: i.sku)])
    return {"fingerprint": hashlib.sha256(canonical.encode()).hexdigest()}
