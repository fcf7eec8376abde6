# PO101: the response is bound with a walrus inside the `if` and `.ok` is read off it:
# `if (r := requests.get(...)).ok:`.
import requests
from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/billing")

INVOICE_API = "https://invoices.internal.example.com/v1"


@router.get("/invoices/{invoice_id}")
async def invoice(invoice_id: str):
    owner = await router.accounts.owner_of_invoice(invoice_id)
    if owner is None:
        raise HTTPException(status_code=404, detail="unknown invoice")
    if (r := requests.get(f"{INVOICE_API}/invoices/{invoice_id}", timeout=5)).ok:
        data = r.json()
        return {"id": invoice_id, "owner": owner, "total": data["total"], "status": data["status"]}
    raise HTTPException(status_code=502, detail=f"invoice service answered {r.status_code}")
