# PO103: the Path is bound to a variable first (`invoice = INVOICES / name`), then
# `invoice.read_bytes()`; also `pathlib.Path(...)` via `import pathlib`.
import pathlib

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

router = APIRouter(prefix="/invoices")

INVOICES = pathlib.Path("/srv/billing/invoices")


@router.get("/{invoice_id}.pdf")
async def download_invoice(invoice_id: str):
    owner = await router.billing.owner(invoice_id)
    if owner is None:
        raise HTTPException(status_code=404, detail="no such invoice")
    invoice = INVOICES / owner / f"{invoice_id}.pdf"
    pdf = invoice.read_bytes()
    banner = pathlib.Path("/srv/billing/banner.txt").read_text()
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"X-Banner": banner.strip()},
    )
