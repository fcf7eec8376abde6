"""Behaviour test for PO203 (over-fetching): after `perfopt fix --unsafe --select PO203`, every
report route of `projection_app` (SQLAlchemy async on aiosqlite, Beanie 1.x on mongomock-motor)
answers the same JSON, and its queries fetch fewer columns and fields: the SQL SELECT lists
(captured with `before_cursor_execute`) name fewer columns, and Beanie passes a projection of
the fields read to `find`.

    python run_over_fetching_behaviour.py --perfopt PATH_TO_BINARY

`projection_app` (a package: the models in `models.py`, the routes in `main.py`, so the fix
defines the projection models in another file than the queries) is copied twice to a temporary
folder; perfopt fixes one copy. Each copy is imported, seeded with the same 300 orders and 120
members (some stored without the optional fields, which must still validate), and each route
is called through httpx's ASGI transport.
Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import asyncio
import importlib
import os
import re
import shutil
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from bson import ObjectId
import mongomock.collection
from beanie import init_beanie
from mongomock_motor import AsyncMongoMockClient
from sqlalchemy import event

from harness import Failure, run_checks, run_perfopt

HERE = Path(__file__).resolve().parent
APP = HERE / "projection_app"
PACKAGE = APP.name
ROUTES = {
    "/orders/totals": "sql",
    "/orders/totals?status=open": "sql",
    "/orders/export": "sql",
    "/orders/by-customer": "sql",
    "/orders/cents": "sql",
    "/members/countries": "mongo",
    "/members/names": "mongo",
    "/members/directory": "mongo",
    "/members/directory?city=Paris": "mongo",
    "/members/tags": "mongo",
    "/members": "mongo",
}
# The projections Beanie sends, as `find` receives them: a plain `find` sends all the
# document's fields.
FIND_PROJECTIONS = []
original_find = mongomock.collection.Collection.find


def recording_find(self, *args, **kwargs):
    FIND_PROJECTIONS.append(kwargs.get("projection"))
    return original_find(self, *args, **kwargs)


mongomock.collection.Collection.find = recording_find


def load(root, database):
    """Imports `projection_app` from `root`, forgetting any copy imported before."""
    os.environ["PROJECTION_DB_URL"] = f"sqlite+aiosqlite:///{database}"
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(f"{PACKAGE}.main"), importlib.import_module(f"{PACKAGE}.models")
    except Exception as exc:
        raise Failure(f"importing {root / PACKAGE} failed: {type(exc).__name__}: {exc}")
    finally:
        sys.path.remove(str(root))


async def seed(main, models):
    async with main.engine.begin() as connection:
        await connection.run_sync(models.Base.metadata.create_all)
    start = datetime(2026, 1, 1)
    async with main.SessionLocal() as session:
        session.add_all(
            models.Order(id=i, customer=f"c{i % 9}", amount=Decimal(i * 7 % 1000) / 4, status=["paid", "open", "void"][i % 3],
                         notes="n" * 500, shipping_address=f"{i} Long Road, " * 10, created_at=start + timedelta(hours=i))
            for i in range(1, 301)
        )
        await session.commit()
    await init_beanie(database=AsyncMongoMockClient()["shop"], document_models=[models.Member])
    collection = models.Member.get_motor_collection()
    for i in range(120):
        document = {"_id": ObjectId(f"65a0{i:020x}"), "name": f"member-{i}", "email": f"m{i:03}@shop.io", "bio": "b" * 300}
        if i % 4:  # the others lack the optional fields, which take their defaults
            document.update(city=["Berlin", "Paris"][i % 2], nickname=f"nick{i}", tags=[f"t{i % 5}", "all"],
                            homeCountry=["FR", "IT"][i % 2])
        await collection.insert_one(document)


async def answers(main, models):
    """Each route's status and JSON, the SELECT lists its SQL statements read, and the
    projections its `find` calls sent."""
    await seed(main, models)
    selects = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(re.sub(r"\s+", " ", statement.split("FROM")[0]).strip())

    event.listen(main.engine.sync_engine, "before_cursor_execute", record)
    results = {}
    try:
        transport = httpx.ASGITransport(app=main.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for route in ROUTES:
                selects.clear()
                FIND_PROJECTIONS.clear()
                response = await client.get(route)
                results[route] = (response.status_code, response.json(), list(selects), list(FIND_PROJECTIONS))
    finally:
        event.remove(main.engine.sync_engine, "before_cursor_execute", record)
        await main.engine.dispose()
    return results


def columns(select):
    return [c.strip() for c in select.removeprefix("SELECT").split(",")]


def checks(perfopt, workdir):
    before_root, after_root = workdir / "before", workdir / "after"
    for root in (before_root, after_root):
        shutil.copytree(APP, root / PACKAGE)
    before = asyncio.run(answers(*load(before_root, workdir / "before.db")))
    yield "before the fix: every route answers 200 with data", (
        None if all(status == 200 and body for status, body, _, _ in before.values())
        else {route: result[:2] for route, result in before.items()})

    fixed = run_perfopt(perfopt, after_root / PACKAGE, "fix", "--unsafe", "--isolated", "--select", "PO203")
    if fixed.returncode not in (0, 1):
        raise Failure(f"`perfopt fix --unsafe` exited {fixed.returncode}:\n{fixed.stdout}{fixed.stderr}")
    main_text = (after_root / PACKAGE / "main.py").read_text()
    models_text = (after_root / PACKAGE / "models.py").read_text()
    yield "perfopt projected the eight report queries", (
        None if main_text.count(".project(") == 4 and main_text.count("load_only(") == 4
        and models_text.count("(BaseModel):") == 4
        else f"{fixed.stdout}{fixed.stderr}\nmain.py:\n{main_text}\nmodels.py:\n{models_text}")
    remaining = run_perfopt(perfopt, after_root / PACKAGE, "check", "--isolated", "--select", "PO203")
    yield "nothing left for PO203 after the fix", (
        None if remaining.returncode == 0 else (remaining.stdout + remaining.stderr).strip())

    after = asyncio.run(answers(*load(after_root, workdir / "after.db")))
    for route, kind in ROUTES.items():
        status, body, selects, projections = after[route]
        _, old_body, old_selects, old_projections = before[route]
        yield f"GET {route}: the same JSON", (
            None if (status, body) == before[route][:2] else f"before {before[route][:2]!r:.600}\nafter {(status, body)!r:.600}")
        if route == "/members":
            yield "GET /members (whole documents) keeps its query", (
                None if projections == old_projections else f"{old_projections} became {projections}")
        elif kind == "sql":
            narrower = len(selects) == len(old_selects) == 1 and len(columns(selects[0])) < len(columns(old_selects[0]))
            print(f"      {route}: {old_selects} -> {selects}")
            yield f"GET {route}: the SELECT reads fewer columns", (
                None if narrower else f"before {old_selects}\nafter {selects}")
        else:
            narrower = (len(projections) == len(old_projections) == 1
                        and projections[0] and len(projections[0]) < len(old_projections[0]))
            print(f"      {route}: {old_projections} -> {projections}")
            yield f"GET {route}: find projects fewer fields", (
                None if narrower else f"before {old_projections}\nafter {projections}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfopt", required=True, help="perfopt binary")
    args = parser.parse_args()
    return run_checks("over-fetching-behaviour", lambda workdir: checks(args.perfopt, workdir))


if __name__ == "__main__":
    sys.exit(main())
