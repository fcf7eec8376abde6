# PO103 ok: file I/O done correctly: `asyncio.to_thread(path.read_text)` and `anyio.Path`.
import asyncio
import json
from pathlib import Path

import anyio
from fastapi import APIRouter

router = APIRouter(prefix="/pricing")

PRICE_DIR = Path("/srv/app/prices")


@router.get("/table")
async def price_table(region: str = "eu"):
    raw = await asyncio.to_thread((PRICE_DIR / f"{region}.json").read_text, encoding="utf-8")
    return json.loads(raw)


@router.put("/table")
async def replace_price_table(region: str, table: dict):
    target = anyio.Path(PRICE_DIR) / f"{region}.json"
    await target.write_text(json.dumps(table), encoding="utf-8")
    async with await anyio.open_file(PRICE_DIR / "CHANGELOG", "a") as log:
        await log.write(f"{region} replaced\n")
    return {"region": region, "saved": True}
