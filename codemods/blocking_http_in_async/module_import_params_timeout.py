# PO101: `requests.get` with `params=` and `timeout=` on a literal URL, plain `import requests`,
# inside a route handler that also awaits the database.
import requests
from fastapi import APIRouter, Depends, HTTPException

from app.db import Database, get_db

router = APIRouter(prefix="/geo")

GEOCODER_URL = "https://geocoder.internal.example.com/v2/lookup"


@router.get("/stores/{store_id}/location")
async def store_location(store_id: int, db: Database = Depends(get_db)):
    store = await db.fetch_store(store_id)
    if store is None:
        raise HTTPException(status_code=404, detail="store not found")
    resp = requests.get(
        "https://geocoder.internal.example.com/v2/lookup",
        params={"street": store.street, "city": store.city, "country": store.country},
        timeout=3.5,
    )
    payload = resp.json()
    return {
        "store_id": store_id,
        "lat": payload["lat"],
        "lng": payload["lng"],
        "precision": payload.get("precision", "unknown"),
    }
