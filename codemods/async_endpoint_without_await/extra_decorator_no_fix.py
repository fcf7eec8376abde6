# PO105: a handler with an extra decorator besides the route (`@require_scope(...)`),
# which may need a coroutine function: reported without a fix.
import functools

import requests
from fastapi import FastAPI, HTTPException, Request

app = FastAPI()

AUDIT_URL = "https://audit.internal.example.com/v1/events"


def require_scope(scope: str):
    def decorate(handler):
        @functools.wraps(handler)
        async def wrapper(*args, request: Request, **kwargs):
            if scope not in request.headers.get("X-Scopes", "").split():
                raise HTTPException(status_code=403, detail=f"missing scope {scope}")
            return await handler(*args, request=request, **kwargs)

        return wrapper

    return decorate


@app.get("/audit/events")
@require_scope("audit:read")
async def audit_events(request: Request, limit: int = 50):
    resp = requests.get(AUDIT_URL, params={"limit": limit}, timeout=5)
    return {"events": resp.json()["items"]}
