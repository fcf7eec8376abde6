"""Hand-written PO101/PO102 rewrite of po101_program.py, to validate run_behaviour.py.

Not a fixture for perfopt's output text: only its behaviour is compared.
"""
import asyncio
import http.cookiejar
import json
import os
import sys
import urllib.request

import httpx

# A jar that refuses every cookie: module-level requests.get() keeps none between calls.
_http_client = httpx.AsyncClient(cookies=http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])))

BASE = os.environ["UPSTREAM_URL"]


def upstream_stats(path="/stats"):
    # A plain def with urllib: PO101 must leave it alone, so it measures both versions.
    with urllib.request.urlopen(f"{BASE}{path}", timeout=5) as resp:
        return json.load(resp)


async def search_products():
    r = await _http_client.get(f"{BASE}/echo", params={"q": "shoes", "page": 2}, timeout=5, follow_redirects=True)
    return r.json()


async def create_order():
    return (await _http_client.post(f"{BASE}/echo", json={"sku": "A1", "qty": 3}, follow_redirects=True, timeout=None)).json()


async def upload_blob():
    r = await _http_client.put(f"{BASE}/echo", content=b"raw-bytes", follow_redirects=True, timeout=None)
    return {"status": r.status_code, "echo": r.json()}


async def follow_redirect():
    r = await _http_client.get(f"{BASE}/redirect", follow_redirects=True, timeout=None)
    return {"echo": r.json(), "history": len(r.history)}


async def redirect_status():
    r = await _http_client.get(f"{BASE}/redirect", follow_redirects=False, timeout=None)
    return r.status_code


async def missing_item():
    try:
        r = await _http_client.get(f"{BASE}/status/404", follow_redirects=True, timeout=None)
        r.raise_for_status()
    except httpx.HTTPStatusError as exc:
        return exc.response.status_code
    return None


async def health():
    r = await _http_client.get(f"{BASE}/status/500", follow_redirects=True, timeout=None)
    broken_ok = not r.is_error
    r = await _http_client.get(f"{BASE}/status/200", follow_redirects=True, timeout=None)
    if not r.is_error:
        return {"500_ok": broken_ok, "200": "up"}
    return {"500_ok": broken_ok, "200": "down"}


async def session_calls():
    async with httpx.AsyncClient(follow_redirects=True, timeout=None) as session:
        inventory = (await session.get(f"{BASE}/json")).json()
        echo = (await session.get(f"{BASE}/echo", params={"via": "session"})).json()
    return [inventory, echo]


async def backoff():
    await asyncio.sleep(0.05)
    return "slept"


async def fetch_slow(i):
    return (await _http_client.get(f"{BASE}/slow", params={"i": i}, timeout=5, follow_redirects=True)).json()


async def main():
    results = {
        "search": await search_products(),
        "order": await create_order(),
        "upload": await upload_blob(),
        "redirect_followed": await follow_redirect(),
        "redirect_status": await redirect_status(),
        "missing": await missing_item(),
        "health": await health(),
        "session": await session_calls(),
        "backoff": await backoff(),
    }
    upstream_stats("/stats/reset")
    results["slow"] = await asyncio.gather(*(fetch_slow(i) for i in range(8)))
    print(f"MAX_IN_FLIGHT={upstream_stats()['max_in_flight']}", file=sys.stderr)
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    asyncio.run(main())
