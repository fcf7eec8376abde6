# PO105: the handler rebinds a module global (`global _token`): as a plain `def` it would
# race in the threadpool, so it is reported without a fix.
import time

import requests
from fastapi import FastAPI

app = FastAPI()

TOKEN_URL = "https://auth.internal.example.com/oauth/token"
_token: str | None = None
_token_expiry = 0.0


@app.post("/partner/token/refresh")
async def refresh_partner_token():
    global _token, _token_expiry
    resp = requests.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        timeout=5,
    )
    body = resp.json()
    _token = body["access_token"]
    _token_expiry = time.time() + body["expires_in"]
    return {"expires_at": _token_expiry}
