"""What PO205's fix changes for one request: a listing route answered whole, before the fix,
against the first page the fixed route answers (default `limit` 20).

    target/test-venv/bin/python bench/pagination.py --perfopt target/release/perfopt [--rows 10000] [--calls 30]

It seeds `tests/behaviour/pagination_app.py` with ROWS rows per collection (SQLite through
aiosqlite, and Beanie on mongomock-motor, an in-process stand-in: its absolute times say nothing
of a MongoDB server), calls each route CALLS times in process through httpx's ASGI transport,
then runs `perfopt fix --unsafe` on a copy and does the same with the fixed routes' first page.
Prints the median wall time per call and the body size. Results: bench/pagination.md.
"""
import argparse
import asyncio
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

APP = Path(__file__).resolve().parent.parent / "tests" / "behaviour" / "pagination_app.py"
ROUTES = ["/parts", "/suppliers"]


def load(path, name, database, rows):
    os.environ["PAGINATION_DB_URL"] = f"sqlite+aiosqlite:///{database}"
    os.environ["PAGINATION_ROWS"] = str(rows)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def measure(module, calls):
    await module.seed()
    results = {}
    transport = httpx.ASGITransport(app=module.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for route in ROUTES:
            await client.get(route)  # warm-up
            times, size = [], 0
            for _ in range(calls):
                start = time.perf_counter()
                response = await client.get(route)
                times.append(time.perf_counter() - start)
                response.raise_for_status()
                size = len(response.content)
            results[route] = (statistics.median(times) * 1000, size)
    await module.close()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfopt", required=True)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfopt-bench-pagination-") as tmp:
        target = Path(tmp) / APP.name
        shutil.copy(APP, target)
        before = asyncio.run(measure(load(target, "bench_before", Path(tmp) / "before.db", args.rows), args.calls))
        subprocess.run([args.perfopt, "fix", "--unsafe", "--isolated", "--no-cache", "--select", "PO205", str(target)],
                       check=False, capture_output=True)
        after = asyncio.run(measure(load(target, "bench_after", Path(tmp) / "after.db", args.rows), args.calls))
    print(f"{args.rows} rows per collection, median of {args.calls} calls\n")
    print("| route | backend | whole list (before) | first page (after) | body before | body after |")
    print("|---|---|---:|---:|---:|---:|")
    for route, backend in zip(ROUTES, ["SQLAlchemy + aiosqlite", "Beanie + mongomock-motor"]):
        (t0, s0), (t1, s1) = before[route], after[route]
        print(f"| `GET {route}` | {backend} | {t0:.1f} ms | {t1:.2f} ms | {s0 / 1024:.0f} KiB | {s1 / 1024:.1f} KiB |")


if __name__ == "__main__":
    main()
