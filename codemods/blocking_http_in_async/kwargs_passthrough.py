# PO101: a generic proxy helper forwarding `**kwargs` to `requests.request`: reported, no fix.
from typing import Any

import requests
from fastapi import APIRouter, Request

router = APIRouter(prefix="/proxy")

LEGACY_API = "https://legacy.internal.example.com"


async def call_legacy(method: str, path: str, **kwargs: Any) -> dict:
    resp = requests.request(method, f"{LEGACY_API}{path}", timeout=20, **kwargs)
    return {"status": resp.status_code, "body": resp.json()}


@router.api_route("/legacy/{path:path}", methods=["GET", "POST"])
async def legacy_proxy(path: str, request: Request):
    body = await request.body()
    extra: dict[str, Any] = {"headers": {"X-Forwarded-For": request.client.host}}
    if body:
        extra["data"] = body
    return await call_legacy(request.method, f"/{path}", **extra)
