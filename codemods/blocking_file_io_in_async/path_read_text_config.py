# PO103: `Path(...).read_text()` of a JSON price table inside an async route handler
# (plain `from pathlib import Path`).
import json
from pathlib import Path

from fastapi import APIRouter, Depends

from app.settings import Settings, get_settings

router = APIRouter(prefix="/pricing")


@router.get("/table")
async def price_table(region: str = "eu", settings: Settings = Depends(get_settings)):
    table = json.loads(Path(settings.price_dir, f"{region}.json").read_text(encoding="utf-8"))
    discounts = await router.promotions.active(region)
    return {
        "region": region,
        "prices": table["prices"],
        "currency": table.get("currency", "EUR"),
        "discounts": discounts,
    }
