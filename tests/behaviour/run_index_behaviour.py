"""Behaviour test for PO202 (missing-index): after `perfopt fix --unsafe --select PO202`, the same
queries return the same results, and the indexes exist: SQLite's query plan for each query
changes from a table scan to an index search, and Beanie (mongomock-motor) creates the indexes in
`init_beanie`.

    python run_index_behaviour.py --perfopt PATH_TO_BINARY

Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from beanie import init_beanie
from mongomock_motor import AsyncMongoMockClient
from sqlalchemy import text

from harness import load_module

HERE = Path(__file__).resolve().parent
APP = HERE / "index_app.py"


def load(path, name, database):
    os.environ["INDEX_APP_URL"] = f"sqlite+aiosqlite:///{database}"
    return load_module(path, name)


async def scenario(module):
    async with module.engine.begin() as connection:
        await connection.run_sync(module.Base.metadata.create_all)
    start = datetime(2026, 1, 1)
    async with module.Session() as session:
        session.add_all(
            module.Order(id=i, customer=f"c{i % 7}", status=["open", "paid"][i % 2], created_at=start + timedelta(hours=i % 50))
            for i in range(1, 201)
        )
        await session.commit()
    client = AsyncMongoMockClient()
    await init_beanie(database=client["index_app"], document_models=[module.Customer])
    for i in range(60):
        await module.Customer(email=f"u{i}@x.io", team=["a", "b", None][i % 3], joined=start + timedelta(days=i)).insert()
    results = {
        "orders_of": [await module.orders_of(f"c{i}") for i in range(7)],
        "open_orders": await module.open_orders(),
        "by_email": [await module.customer_by_email(f"u{i}@x.io") for i in (0, 7, 59, 99)],
        "team": [await module.team_members(t) for t in ("a", "b", "z")],
    }
    plans = {}
    async with module.engine.connect() as connection:
        for name, sql in {
            "orders by customer": "SELECT id FROM orders WHERE customer = 'c1' ORDER BY created_at DESC",
            "orders by status": "SELECT id FROM orders WHERE status = 'open'",
        }.items():
            rows = (await connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all()
            plans[name] = "; ".join(row[-1] for row in rows)
    indexes = sorted((await module.Customer.get_motor_collection().index_information()).keys())
    await module.engine.dispose()
    return results, plans, indexes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--perfopt", required=True)
    args = parser.parse_args()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(("ok    " if ok else "FAIL  ") + what)

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "index_app.py"
        shutil.copy(APP, copy)
        before = asyncio.run(scenario(load(copy, "index_app_before", Path(tmp) / "before.db")))
        fix = subprocess.run(
            [args.perfopt, "fix", "--unsafe", "--no-cache", "--select", "PO202", str(copy)],
            capture_output=True, text=True, cwd=tmp, timeout=60,
        )
        fixed = copy.read_text()
        check("index=True" in fixed and "Indexed(str)" in fixed, f"perfopt indexed the fields (exit {fix.returncode}: {fix.stdout.strip()} {fix.stderr.strip()})")
        after = asyncio.run(scenario(load(copy, "index_app_after", Path(tmp) / "after.db")))
    check(before[0] == after[0], "every query returns the same results")
    for name in before[1]:
        print(f"      {name}: before `{before[1][name]}`, after `{after[1][name]}`")
        check("SCAN" in before[1][name] and "SEARCH" in after[1][name] and "INDEX" in after[1][name], f"{name}: a table scan became an index search")
    print(f"      Beanie indexes: before {before[2]}, after {after[2]}")
    check(before[2] == ["_id_"] and {"email_1", "team_1", "joined_1"} <= set(after[2]), "init_beanie created the new indexes")
    print(f"index-behaviour: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
