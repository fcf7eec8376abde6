"""Behaviour test for PO201 (n-plus-one-query): after `perfopt fix --unsafe --select PO201`, every
route must answer the same JSON, with fewer queries.

    python run_n_plus_one_behaviour.py --perfopt PATH_TO_BINARY

`n_plus_one_app.py` is copied to a temporary folder, imported on a fresh SQLite file and an
in-memory MongoDB (mongomock-motor) and seeded, and each route is called. Then perfopt rewrites the
copy, and the same runs on new databases. The SQL statements each call sends are counted with
SQLAlchemy's `before_cursor_execute` event, the MongoDB commands (`find`, `find_one`,
`aggregate`) at the Motor layer; the counts are printed, before and after.
Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import asyncio
import os
import shutil
import sys
from pathlib import Path

import httpx
import mongomock.helpers
from bson import DBRef
from mongomock_motor import AsyncMongoMockCollection
from sqlalchemy import event

from harness import Failure, load_module, run_checks, run_perfopt

HERE = Path(__file__).resolve().parent
APP = HERE / "n_plus_one_app.py"
ROUTES = [
    "/sql/orders", "/sql/customers", "/sql/item-counts", "/sql/neighbours", "/sql/no-orders",
    "/beanie/purchases", "/beanie/posts", "/beanie/line-purchases", "/beanie/no-purchases",
]
# No items to loop over: the answer is empty, and the batch adds its one query.
EMPTY_ROUTES = {"/sql/no-orders", "/beanie/no-purchases"}
MONGO_COMMANDS = ["find", "find_one", "aggregate"]
sent = {"sql": 0, "mongo": 0}


def count_mongo_commands():
    """Counts every command a Beanie query sends through the Motor collection."""
    for name in MONGO_COMMANDS:
        original = getattr(AsyncMongoMockCollection, name)

        def counted(self, *args, _original=original, **kwargs):
            sent["mongo"] += 1
            return _original(self, *args, **kwargs)

        setattr(AsyncMongoMockCollection, name, counted)


def follow_dbref_ids():
    """MongoDB stores a DBRef as a sub-document `{$ref, $id}`, so Beanie's `fetch_links` lookup on
    `author.$id` finds the linked document; mongomock keeps the DBRef object, whose `$id` its
    dotted paths cannot reach. Teach them that one step."""
    original = mongomock.helpers.get_value_by_dot

    def get_value_by_dot(doc, key, can_generate_array=False):
        if key.endswith(".$id"):
            ref = original(doc, key[: -len(".$id")], can_generate_array)
            if isinstance(ref, DBRef):
                return ref.id
        return original(doc, key, can_generate_array)

    mongomock.helpers.get_value_by_dot = get_value_by_dot


def load(path, module_name, database):
    os.environ["N_PLUS_ONE_DB_URL"] = f"sqlite+aiosqlite:///{database}"
    return load_module(path, module_name)


async def scenario(module):
    """Each route's status and JSON, and the queries it sent."""
    def on_statement(*_):
        sent["sql"] += 1

    event.listen(module.engine.sync_engine, "before_cursor_execute", on_statement)
    await module.seed()
    answers, queries = {}, {}
    try:
        transport = httpx.ASGITransport(app=module.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for route in ROUTES:
                sent.update(sql=0, mongo=0)
                response = await client.get(route)
                answers[route] = (response.status_code, response.json())
                queries[route] = sent["sql"] + sent["mongo"]
    finally:
        await module.close()
    return answers, queries


def checks(perfopt, workdir):
    count_mongo_commands()
    follow_dbref_ids()
    target = workdir / APP.name
    shutil.copy(APP, target)
    before, before_queries = asyncio.run(scenario(load(target, "perfopt_n_plus_one_before", workdir / "before.db")))
    for route, (status, body) in before.items():
        yield f"before the fix: {route} answers 200 with data", (
            None if status == 200 and (body or route in EMPTY_ROUTES) else f"{status}: {body!r}")

    fixed = run_perfopt(perfopt, target, "fix", "--unsafe", "--isolated", "--select", "PO201")
    if fixed.returncode not in (0, 1):
        raise Failure(f"`perfopt fix --unsafe` exited {fixed.returncode}:\n{fixed.stdout}{fixed.stderr}")
    text = target.read_text()
    yield "perfopt batched every per-item query", (
        None if text.count("in_(") == 6 and text.count("In(") == 5 and "selectinload(Order.items)" in text
        and "fetch_links=True" in text else f"the fixed app:\n{text}")
    remaining = run_perfopt(perfopt, target, "check", "--isolated", "--select", "PO201")
    yield "nothing left for PO201 after the fix", (
        None if remaining.returncode == 0 else (remaining.stdout + remaining.stderr).strip())

    after, after_queries = asyncio.run(scenario(load(target, "perfopt_n_plus_one_after", workdir / "after.db")))
    for route in ROUTES:
        yield f"same JSON from {route} after the fix", (
            None if before[route] == after[route] else f"before {before[route]!r}\nafter  {after[route]!r}")
        print(f"{route}: {before_queries[route]} queries before, {after_queries[route]} after")
        if route in EMPTY_ROUTES:
            continue
        yield f"{route} sends fewer queries after the fix", (
            None if after_queries[route] < before_queries[route]
            else f"{before_queries[route]} before, {after_queries[route]} after")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfopt", required=True, help="perfopt binary")
    args = parser.parse_args()
    return run_checks("n-plus-one-behaviour", lambda workdir: checks(args.perfopt, workdir))


if __name__ == "__main__":
    sys.exit(main())
