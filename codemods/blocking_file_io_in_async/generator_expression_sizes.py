# PO103: `read_bytes()` inside a generator expression passed to `sum()` and `max()` in an
# async handler (a generator expression, not a list comprehension).
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()

BACKUP_DIR = Path("/var/backups/shop")
SEGMENTS = ("orders", "customers", "inventory")


@app.get("/admin/backups/latest")
async def latest_backup_size():
    stamp = await app.state.backups.latest_stamp()
    total = sum(len((BACKUP_DIR / stamp / f"{s}.dump").read_bytes()) for s in SEGMENTS)
    longest = max(len(Path(BACKUP_DIR, stamp, f"{s}.log").read_text()) for s in SEGMENTS)
    return {"stamp": stamp, "total_bytes": total, "longest_log": longest}
