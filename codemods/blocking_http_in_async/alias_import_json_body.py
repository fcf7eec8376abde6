# PO101: `import requests as rq` alias; `rq.post(..., json=...)` sends a JSON body to the
# notification service from an async webhook handler.
import logging

import requests as rq
from fastapi import FastAPI
from pydantic import BaseModel

log = logging.getLogger(__name__)
app = FastAPI()

NOTIFY_URL = "https://notify.internal.example.com/v1/messages"


class ShipmentEvent(BaseModel):
    order_id: str
    carrier: str
    tracking_code: str
    customer_email: str


@app.post("/webhooks/shipment")
async def shipment_webhook(event: ShipmentEvent):
    await app.state.events.record("shipment", event.model_dump())
    body = {
        "to": event.customer_email,
        "template": "order-shipped",
        "vars": {"order": event.order_id, "carrier": event.carrier, "code": event.tracking_code},
    }
    resp = rq.post(NOTIFY_URL, json=body, timeout=10)
    log.info("notify answered %s for order %s", resp.status_code, event.order_id)
    return {"accepted": True, "notify_status": resp.status_code}
