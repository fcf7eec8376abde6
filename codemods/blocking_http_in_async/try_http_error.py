# PO101: `r.raise_for_status()` inside `try`, with `except requests.HTTPError as exc:` mapped
# to an HTTP 502 for the caller.
import logging

import requests
from fastapi import APIRouter, HTTPException

log = logging.getLogger("payments")
router = APIRouter(prefix="/orders")

PAYMENTS = "https://payments.internal.example.com/v3"


@router.post("/{order_id}/refund")
async def refund_order(order_id: str, amount_cents: int):
    order = await router.orders_repo.get(order_id)
    try:
        r = requests.post(
            f"{PAYMENTS}/refunds",
            json={"charge": order.charge_id, "amount": amount_cents},
            timeout=8,
        )
        r.raise_for_status()
    except requests.HTTPError as exc:
        log.warning("refund for %s rejected: %s", order_id, exc)
        raise HTTPException(status_code=502, detail="payment provider rejected the refund") from exc
    await router.orders_repo.mark_refunded(order_id, amount_cents)
    return {"order_id": order_id, "refund_id": r.json()["id"]}
