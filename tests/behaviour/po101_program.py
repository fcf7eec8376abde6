"""Storefront service code in the shape PO101/PO102 target: blocking calls in async def.

The upstream base URL comes from $UPSTREAM_URL. Prints the results as one JSON
object on stdout and `MAX_IN_FLIGHT=<n>` on stderr.
"""
import asyncio
import json
import os
import sys
import time
import urllib.request

import requests

BASE = os.environ["UPSTREAM_URL"]


def upstream_stats(path="/stats"):
    # A plain def with urllib: PO101 must leave it alone, so it measures both versions.
    with urllib.request.urlopen(f"{BASE}{path}", timeout=5) as resp:
        return json.load(resp)


async def search_products():
    r = requests.get(f"{BASE}/echo", params={"q": "shoes", "page": 2}, timeout=5)
    return r.json()


async def create_order():
    return requests.post(f"{BASE}/echo", json={"sku": "A1", "qty": 3}).json()


async def upload_blob():
    r = requests.put(f"{BASE}/echo", data=b"raw-bytes")
    return {"status": r.status_code, "echo": r.json()}


async def follow_redirect():
    r = requests.get(f"{BASE}/redirect")
    return {"echo": r.json(), "history": len(r.history)}


async def redirect_status():
    r = requests.get(f"{BASE}/redirect", allow_redirects=False)
    return r.status_code


async def missing_item():
    try:
        r = requests.get(f"{BASE}/status/404")
        r.raise_for_status()
    except requests.HTTPError as exc:
        return exc.response.status_code
    return None


async def health():
    r = requests.get(f"{BASE}/status/500")
    broken_ok = r.ok
    r = requests.get(f"{BASE}/status/200")
    if r.ok:
        return {"500_ok": broken_ok, "200": "up"}
    return {"500_ok": broken_ok, "200": "down"}


async def session_calls():
    with requests.Session() as session:
        inventory = session.get(f"{BASE}/json").json()
        echo = session.get(f"{BASE}/echo", params={"via": "session"}).json()
    return [inventory, echo]


async def backoff():
    time.sleep(0.05)
    return "slept"


async def fetch_slow(i):
    return requests.get(f"{BASE}/slow", params={"i": i}, timeout=5).json()


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
