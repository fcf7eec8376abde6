# PO105: the handler's only blocking calls sit in a list comprehension (still part of its
# body), with `from requests import get as http_get`.
from fastapi import APIRouter
from requests import get as http_get

router = APIRouter(prefix="/status")

REGIONS = {
    "eu": "https://eu.api.example.com/healthz",
    "us": "https://us.api.example.com/healthz",
    "ap": "https://ap.api.example.com/healthz",
}


@router.get("/regions")
async def region_status():
    checks = [
        {"region": region, "code": http_get(url, timeout=2).status_code}
        for region, url in REGIONS.items()
    ]
    return {
        "regions": checks,
        "all_up": all(c["code"] == 200 for c in checks),
    }
