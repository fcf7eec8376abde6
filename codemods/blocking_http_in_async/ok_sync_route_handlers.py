# PO101 ok: plain `def` route handlers calling requests; FastAPI runs them in its threadpool.
import requests
from fastapi import FastAPI, HTTPException

app = FastAPI()

PAYMENTS = "https://payments.internal.example.com/v3"


@app.get("/orders/{order_id}/payment")
def payment_status(order_id: str):
    r = requests.get(f"{PAYMENTS}/charges", params={"order": order_id}, timeout=5)
    if not r.ok:
        raise HTTPException(status_code=502, detail="payments unavailable")
    return {"paid": r.json()["paid"]}


@app.post("/orders/{order_id}/capture")
def capture_payment(order_id: str):
    with requests.Session() as s:
        charge = s.get(f"{PAYMENTS}/charges/{order_id}", timeout=5).json()
        captured = s.post(f"{PAYMENTS}/charges/{charge['id']}/capture", timeout=5)
    return {"captured": captured.ok}
