# PO101: `with requests.Session() as s:` inside an async handler, with two `s.get` calls
# sharing the session's auth header.
import requests
from fastapi import APIRouter, Depends

from app.settings import Settings, get_settings

router = APIRouter(prefix="/dashboard")


@router.get("/summary")
async def dashboard_summary(settings: Settings = Depends(get_settings)):
    open_tickets = await router.tickets.count_open()
    with requests.Session() as s:
        s.headers.update({"Authorization": f"Bearer {settings.crm_token}"})
        accounts = s.get("https://crm.internal.example.com/api/accounts/count", timeout=5)
        deals = s.get("https://crm.internal.example.com/api/deals/open", timeout=5)
    return {
        "accounts": accounts.json()["count"],
        "open_deals": len(deals.json()["items"]),
        "open_tickets": open_tickets,
    }
