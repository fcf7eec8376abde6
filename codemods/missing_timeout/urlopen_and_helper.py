# PO306: `urlopen` with no timeout, and PO101's per-call helper called with `timeout=None`
# (PO101 writes that to keep requests' "wait forever"; PO306 then bounds it).
import urllib.request

import httpx

_http_ssl_context = httpx.create_ssl_context()


async def _http_request(method, url, **kwargs):
    async with httpx.AsyncClient(verify=_http_ssl_context) as client:
        return await client.request(method, url, **kwargs)


def robots(site: str) -> bytes:
    with urllib.request.urlopen(f"https://{site}/robots.txt") as resp:
        return resp.read()


async def ping(url: str) -> int:
    resp = await _http_request("GET", url, follow_redirects=True, timeout=None)
    return resp.status_code
