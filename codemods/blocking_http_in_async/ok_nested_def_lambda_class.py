# PO101 ok: blocking calls only in a nested plain `def`, a `lambda` and a class body inside
# async functions; they run in a thread (or not at all on the loop) and are left alone.
import asyncio

import requests
from fastapi import APIRouter

router = APIRouter(prefix="/reports")

EXPORT_API = "https://exports.internal.example.com"


@router.post("/{report_id}/export")
async def export_report(report_id: str):
    def upload(blob: bytes) -> int:
        return requests.post(f"{EXPORT_API}/upload/{report_id}", data=blob, timeout=30).status_code

    blob = await router.renderer.render_pdf(report_id)
    status = await asyncio.to_thread(upload, blob)
    fetch_meta = lambda: requests.get(f"{EXPORT_API}/meta/{report_id}", timeout=5).json()
    meta = await asyncio.to_thread(fetch_meta)
    return {"status": status, "meta": meta}


async def build_client_factory():
    class LegacyClient:
        schema = requests.get(f"{EXPORT_API}/schema", timeout=5).json()

        def list_exports(self):
            return requests.get(f"{EXPORT_API}/exports", timeout=5).json()

    await asyncio.sleep(0)
    return LegacyClient
