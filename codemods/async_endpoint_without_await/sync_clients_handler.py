# PO105: async handlers that never await and use the sync `httpx.Client` in a `with`
# block or `urllib.request.urlopen`.
import json
import urllib.request

import httpx
from fastapi import APIRouter

router = APIRouter(prefix="/partners")

PARTNER_API = "https://partner.example.com/api"


@router.get("/{partner_id}/catalog")
async def partner_catalog(partner_id: str, page: int = 1):
    with httpx.Client(base_url=PARTNER_API, timeout=10.0) as client:
        listing = client.get(f"/partners/{partner_id}/catalog", params={"page": page})
        meta = client.get(f"/partners/{partner_id}")
    return {"partner": meta.json()["name"], "items": listing.json()["items"]}


@router.get("/{partner_id}/terms")
async def partner_terms(partner_id: str):
    with urllib.request.urlopen(f"{PARTNER_API}/partners/{partner_id}/terms", timeout=5) as resp:
        terms = json.load(resp)
    return {"partner_id": partner_id, "version": terms["version"]}
