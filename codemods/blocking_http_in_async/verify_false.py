# PO101: `verify=False` against a lab device with a self-signed certificate: reported, no fix.
import requests
from fastapi import APIRouter

router = APIRouter(prefix="/lab")

DEVICES = {
    "printer-1": "https://10.20.0.15",
    "printer-2": "https://10.20.0.16",
}


@router.get("/devices/{name}/status")
async def device_status(name: str):
    base = DEVICES[name]
    last_seen = await router.device_registry.last_seen(name)
    resp = requests.get(f"{base}/api/status", verify=False, timeout=3)
    data = resp.json()
    return {
        "name": name,
        "online": data.get("state") == "ready",
        "toner": data.get("toner_percent"),
        "last_seen": last_seen,
    }
