# PO103: builtin `open(...)` in `with` blocks inside async handlers. A block of several
# statements is reported without a fix; a block with one assignment moves to a thread.
import csv
import json

from fastapi import APIRouter

router = APIRouter(prefix="/exports")

EXPORT_DIR = "/var/lib/shop/exports"


@router.post("/orders.csv")
async def export_orders(day: str):
    rows = await router.orders.for_day(day)
    path = f"{EXPORT_DIR}/orders-{day}.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "customer", "total"])
        for row in rows:
            writer.writerow([row.id, row.customer_id, row.total])
    return {"path": path, "rows": len(rows)}


@router.get("/manifest")
async def export_manifest():
    last = await router.orders.last_export_day()
    with open(f"{EXPORT_DIR}/manifest.json", encoding="utf-8") as fh:
        manifest = json.load(fh)
    return {"last_day": last, "files": manifest["files"]}
