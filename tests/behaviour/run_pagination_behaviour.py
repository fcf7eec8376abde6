"""Behaviour test for PO205 (unbounded-list-endpoint): after `perfopt fix --unsafe`, walking
the pages of each listing route by `next_cursor` must give exactly the list the route returned
whole before the fix.

    python run_pagination_behaviour.py --perfopt PATH_TO_BINARY

`pagination_app.py` is copied to a temporary folder, imported and seeded (57 rows per
collection), and each route is called once for the whole list. Then perfopt rewrites the copy,
the new module is imported and seeded the same way, and each route is walked with `limit` 20, 7
and 19 (a page count that divides 57): the pages concatenate to the old list, no page is longer
than `limit`, `has_more` is true on every page but the last, and `next_cursor` is null exactly
there. Also: the default page holds 20 items, `limit` 0 and 101 and a malformed cursor answer 422,
and `perfopt check` finds nothing left to page.
Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import asyncio
import os
import shutil
import sys
from pathlib import Path

import httpx

from harness import Failure, load_module, run_checks, run_perfopt

HERE = Path(__file__).resolve().parent
APP = HERE / "pagination_app.py"
ROUTES = ["/parts", "/parts/in-stock", "/suppliers", "/suppliers/outside-us"]
LIMITS = [20, 7, 19]


def load(path, module_name, database):
    os.environ["PAGINATION_DB_URL"] = f"sqlite+aiosqlite:///{database}"
    return load_module(path, module_name)


async def with_client(module, calls):
    await module.seed()
    try:
        transport = httpx.ASGITransport(app=module.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await calls(client)
    finally:
        await module.close()


async def whole_lists(client):
    lists = {}
    for route in ROUTES:
        response = await client.get(route)
        if response.status_code != 200 or not isinstance(response.json(), list):
            raise Failure(f"before the fix, GET {route} answered {response.status_code}: {response.text[:300]}")
        lists[route] = response.json()
    return lists


async def walk(client, route, limit):
    """Follows next_cursor from the first page; returns (items, problems)."""
    items, problems, cursor = [], [], None
    for page_number in range(1, 200):
        params = {"limit": limit} if cursor is None else {"limit": limit, "cursor": cursor}
        response = await client.get(route, params=params)
        if response.status_code != 200:
            return items, [f"page {page_number}: status {response.status_code}: {response.text[:300]}"]
        page = response.json()
        if set(page) != {"items", "next_cursor", "has_more"}:
            return items, [f"page {page_number}: keys {sorted(page)}"]
        if len(page["items"]) > limit:
            problems.append(f"page {page_number}: {len(page['items'])} items for limit {limit}")
        items.extend(page["items"])
        if page["has_more"] != (page["next_cursor"] is not None):
            problems.append(f"page {page_number}: has_more {page['has_more']} with next_cursor {page['next_cursor']!r}")
        if not page["has_more"]:
            return items, problems
        if not page["items"]:
            problems.append(f"page {page_number}: empty, yet has_more")
        cursor = page["next_cursor"]
    return items, problems + ["more than 200 pages"]


async def paged_checks(client, before):
    results = []
    for route in ROUTES:
        for limit in LIMITS:
            items, problems = await walk(client, route, limit)
            if items != before[route]:
                problems.append(f"the pages concatenate to {len(items)} items, not the {len(before[route])} "
                                f"returned before (first differing index: "
                                f"{next((i for i, (a, b) in enumerate(zip(items, before[route])) if a != b), min(len(items), len(before[route])))})")
            results.append((f"GET {route}, limit {limit}: pages concatenate to the old list "
                            f"({len(before[route])} items)", "\n".join(problems) or None))
        default = await client.get(route)
        count = len(default.json().get("items", [])) if default.status_code == 200 else None
        results.append((f"GET {route} without parameters: the first 20 items",
                        None if count == 20 and default.json()["items"] == before[route][:20]
                        else f"status {default.status_code}, {count} items"))
        for params in ({"limit": 0}, {"limit": 101}, {"cursor": "not-a-key"}):
            response = await client.get(route, params=params)
            results.append((f"GET {route} with {params}: 422",
                            None if response.status_code == 422 else f"status {response.status_code}: {response.text[:200]}"))
    return results





def checks(perfopt, workdir):
    target = workdir / APP.name
    shutil.copy(APP, target)
    before_module = load(target, "perfopt_pagination_before", workdir / "before.db")
    before = asyncio.run(with_client(before_module, whole_lists))
    yield "before the fix: every route returns its whole list", (
        None if all(len(v) > 20 for v in before.values()) else f"lengths {[len(v) for v in before.values()]}")

    fixed = run_perfopt(perfopt, target, "fix", "--unsafe", "--isolated", "--select", "PO205")
    if fixed.returncode not in (0, 1):
        raise Failure(f"`perfopt fix --unsafe` exited {fixed.returncode}:\n{fixed.stdout}{fixed.stderr}")
    text = target.read_text()
    yield "perfopt paged all four routes", (
        None if text.count("next_cursor") >= 4 * 3 else f"the fixed app:\n{text}")
    remaining = run_perfopt(perfopt, target, "check", "--isolated", "--select", "PO205")
    yield "nothing left for PO205 after the fix", (
        None if remaining.returncode == 0 else (remaining.stdout + remaining.stderr).strip())

    after_module = load(target, "perfopt_pagination_after", workdir / "after.db")
    results = asyncio.run(with_client(after_module, lambda client: paged_checks(client, before)))
    failed = False
    for name, problem in results:
        failed |= problem is not None
        yield name, problem
    if failed:
        print(f"the fixed app:\n{text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfopt", required=True, help="perfopt binary")
    args = parser.parse_args()
    return run_checks("pagination-behaviour", lambda workdir: checks(args.perfopt, workdir))


if __name__ == "__main__":
    sys.exit(main())
