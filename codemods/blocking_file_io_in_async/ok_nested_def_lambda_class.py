# PO103 ok: `open` and `Path.read_text` only inside a nested plain `def` run in a thread,
# a `lambda` and a class body defined in an async function.
import asyncio
import csv
from pathlib import Path

from fastapi import APIRouter

router = APIRouter(prefix="/reports")

REPORT_DIR = Path("/var/lib/shop/reports")


@router.post("/{day}")
async def write_report(day: str):
    rows = await router.orders.for_day(day)

    def dump() -> int:
        with open(REPORT_DIR / f"{day}.csv", "w", newline="") as fh:
            csv.writer(fh).writerows((r.id, r.total) for r in rows)
        return len(rows)

    written = await asyncio.to_thread(dump)
    header = await asyncio.to_thread(lambda: (REPORT_DIR / "HEADER").read_text())
    return {"day": day, "rows": written, "header": header}


async def load_report_schema():
    class Schema:
        columns = Path("/srv/app/report-columns.txt").read_text().split(",")

    await asyncio.sleep(0)
    return Schema
