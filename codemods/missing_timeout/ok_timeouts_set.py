# OK for PO306: every call bounded: explicit timeouts, httpx's 5 s default, a timeout passed
# positionally to urlopen, and `.get` on things that are not HTTP clients.
import urllib.request

import httpx
import requests

settings = {"timeout": 3}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, None, 5) as resp:
        return resp.read()


def lookup(sku: str) -> dict:
    return requests.get(f"https://pim.example.com/sku/{sku}", timeout=(3, 10)).json()


async def profile(user_id: str) -> dict:
    async with httpx.AsyncClient() as client:
        resp = await client.get(f"https://users.example.com/{user_id}")
    return {"user": resp.json(), "timeout": settings.get("timeout")}


def forward(**kwargs) -> int:
    return requests.post("https://hooks.example.com/in", **kwargs).status_code
