# PO101: `urllib.request.urlopen` in an async function: reported without a fix.
import json
import urllib.request

from fastapi import FastAPI

app = FastAPI()

JWKS_URL = "https://auth.internal.example.com/.well-known/jwks.json"


async def load_signing_keys() -> dict[str, dict]:
    with urllib.request.urlopen(JWKS_URL, timeout=5) as resp:
        document = json.load(resp)
    return {key["kid"]: key for key in document["keys"]}


@app.on_event("startup")
async def warm_keys():
    app.state.jwks = await load_signing_keys()


@app.get("/auth/keys")
async def list_key_ids():
    keys = await load_signing_keys()
    return {"kids": sorted(keys)}
