# OK for PO108: a module-level client, clients given a shared SSL context or `verify=False`
# (a test double), and a requests Session (PO101 and PO306 look after those).
import ssl

import httpx
import requests

SHARED = httpx.AsyncClient(timeout=5)
_TLS = ssl.create_default_context()


async def geo(ip: str) -> dict:
    return (await SHARED.get(f"https://geo.example.com/{ip}")).json()


async def audit(event: dict) -> None:
    async with httpx.AsyncClient(verify=_TLS, timeout=5) as client:
        await client.post("https://audit.example.com/events", json=event)


async def local_stub(path: str) -> int:
    async with httpx.AsyncClient(verify=False) as client:
        return (await client.get(f"https://localhost:8443/{path}")).status_code


def legacy(url: str) -> bytes:
    with requests.Session() as session:
        return session.get(url, timeout=5).content


class PartnerApi:
    # Built once per instance and reused: not per call.
    def __init__(self, base_url: str):
        self.client = httpx.AsyncClient(base_url=base_url)


async def asgi_probe(app) -> int:
    # An in-process transport does no TLS at all.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return (await client.get("/healthz")).status_code
