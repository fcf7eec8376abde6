# PO101: a header built around a setting: if the key is empty the value ends in a space, which
# requests sends and httpx refuses, so the rewrite is unsafe.
import requests
from fastapi import APIRouter

from app.config import settings

router = APIRouter()


@router.get("/charges/{charge_id}")
async def charge_status(charge_id: str):
    resp = requests.get(
        f"{settings.payments_url}/charges/{charge_id}",
        headers={"Authorization": f"Bearer {settings.payments_api_key}", "Accept": "application/json"},
        timeout=5,
    )
    return {"status": resp.json()["status"]}
