# PO101: the response's `.ok` used in an `if` and negated with `not r.ok`.
import requests
from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/inventory")

WAREHOUSE = "https://warehouse.internal.example.com"


@router.post("/{sku}/reserve")
async def reserve_stock(sku: str, quantity: int = 1):
    order_ref = await router.sequence.next_value("reservation")
    check = requests.get(f"{WAREHOUSE}/stock/{sku}", timeout=5)
    if not check.ok:
        raise HTTPException(status_code=502, detail="warehouse unavailable")
    available = check.json()["available"]
    if available < quantity:
        raise HTTPException(status_code=409, detail=f"only {available} left")

    hold = requests.post(
        f"{WAREHOUSE}/holds",
        json={"sku": sku, "quantity": quantity, "ref": order_ref},
        timeout=5,
    )
    if hold.ok:
        return {"reserved": quantity, "ref": order_ref}
    return {"reserved": 0, "ref": order_ref, "error": hold.status_code}
