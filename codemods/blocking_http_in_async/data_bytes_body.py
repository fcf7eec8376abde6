# PO101: `requests.put(..., data=b"...")` uploads a raw bytes body; httpx wants `content=`.
import requests
from fastapi import APIRouter, Depends

from app.auth import require_admin

router = APIRouter(prefix="/admin/cache", dependencies=[Depends(require_admin)])

EDGE_PURGE_URL = "https://edge.internal.example.com/purge/all"


@router.post("/purge")
async def purge_edge_cache(reason: str = "manual"):
    await router.audit.write("cache-purge", reason=reason)
    resp = requests.put(
        "https://edge.internal.example.com/purge/all",
        data=b"PURGE *\n",
        headers={"Content-Type": "text/plain", "X-Purge-Reason": reason},
        timeout=15,
    )
    return {"status": resp.status_code, "purged": resp.status_code == 204}
