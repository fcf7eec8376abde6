"""Behaviour test for PO207 (pool-settings): after `perfopt fix --unsafe --select PO207`, pool_app
answers every request the same, builds its Motor and Redis clients once instead of once per
request, and its engine pools connections instead of using NullPool.

MongoDB is mongomock-motor behind Motor's name, sharing one in-memory store across clients (as
clients of one server would); Redis is a stand-in module with a shared dict, since the test
Python has no Redis server. Both count the clients built and closed.

    python run_pool_behaviour.py --perfopt PATH_TO_BINARY

Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import os
import shutil
import sys
import types
from pathlib import Path

import mongomock
import motor.motor_asyncio
from fastapi.testclient import TestClient
from mongomock_motor import AsyncMongoMockClient

from harness import Failure, load_module, run_checks, run_perfopt

HERE = Path(__file__).resolve().parent
APP = HERE / "pool_app.py"
BUILT = {"mongo": 0, "redis": 0}
CLOSED = {"mongo": 0, "redis": 0}


def install_stand_ins():
    """Motor's client and redis.asyncio, each sharing one store between its clients."""
    server = mongomock.MongoClient()

    class CountedMotorClient(AsyncMongoMockClient):
        def __init__(self, *args, **kwargs):
            BUILT["mongo"] += 1
            super().__init__(mock_mongo_client=server)

        def close(self):
            CLOSED["mongo"] += 1

    motor.motor_asyncio.AsyncIOMotorClient = CountedMotorClient

    data = {}

    class FakeRedis:
        def __init__(self, url, decode_responses=False):
            BUILT["redis"] += 1
            self.decode = decode_responses

        async def incr(self, key):
            data[key] = data.get(key, 0) + 1
            return data[key]

        async def aclose(self):
            CLOSED["redis"] += 1

    asyncio_module = types.ModuleType("redis.asyncio")
    asyncio_module.from_url = FakeRedis
    redis_module = types.ModuleType("redis")
    redis_module.asyncio = asyncio_module
    sys.modules["redis"] = redis_module
    sys.modules["redis.asyncio"] = asyncio_module
    return server, data


def run_app(path, name, database):
    """Loads the app at `path` and serves a fixed list of requests; returns the answers, the
    clients built and closed, and the engine's pool class."""
    server, data = install_stand_ins()
    for key in BUILT:
        BUILT[key] = CLOSED[key] = 0
    os.environ["POOL_APP_DB"] = f"sqlite+aiosqlite:///{database}"
    module = load_module(path, name)
    answers = []
    with TestClient(module.app) as client:
        for sku, qty in (("a", 1), ("b", 2), ("a", 3)):
            answers.append(client.put(f"/items/{sku}", params={"qty": qty}).json())
        for sku in ("a", "b", "zz"):
            answers.append(client.get(f"/items/{sku}").json())
        for page in ("home", "home", "about", "home"):
            answers.append(client.get(f"/hits/{page}").json())
        for _ in range(2):
            answers.append(client.get("/visits").json())
        for a, b in ((1, 2), (40, 2)):
            answers.append(client.get(f"/sum/{a}/{b}").json())
    pool = type(module.engine.pool).__name__
    return answers, dict(BUILT), dict(CLOSED), pool


def checks(tmp):
    copy = tmp / "pool_app.py"
    shutil.copy(APP, copy)
    before = run_app(copy, "pool_app_before", tmp / "before.db")
    fix = run_perfopt(PERFOPT, copy, "fix", "--unsafe", "--no-cache", "--select", "PO207")
    fixed = copy.read_text()
    changed = all(
        shared in fixed
        for shared in (
            "_get_db_client = AsyncIOMotorClient(",
            "_hits_r = aioredis.from_url(",
            "_VisitCounter_call_r = aioredis.from_url(",
        )
    )
    if fix.returncode != 0 or not changed or "poolclass=NullPool" in fixed or "import NullPool" in fixed:
        raise Failure(f"perfopt did not rewrite the app (exit {fix.returncode}):\n{fix.stdout}{fix.stderr}\n{fixed}")
    yield "perfopt shared the clients and dropped NullPool", None
    after = run_app(copy, "pool_app_after", tmp / "after.db")
    yield "every request gets the same answer", None if before[0] == after[0] else f"before {before[0]}\nafter  {after[0]}"
    print(f"      clients built: before {before[1]}, after {after[1]}; closed: before {before[2]}, after {after[2]}")
    yield "a client per request before, one per building function after", (
        None if before[1] == {"mongo": 6, "redis": 6} and after[1] == {"mongo": 1, "redis": 2}
        else f"built before {before[1]}, after {after[1]}"
    )
    yield "the shared clients are no longer closed after each request", (
        None if after[2] == {"mongo": 0, "redis": 0} else f"closed after {after[2]}"
    )
    print(f"      engine pool: before {before[3]}, after {after[3]}")
    yield "the engine pools its connections", (
        None if (before[3], after[3]) == ("NullPool", "AsyncAdaptedQueuePool") else f"{before[3]} → {after[3]}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--perfopt", required=True)
    PERFOPT = parser.parse_args().perfopt
    sys.exit(run_checks("pool-behaviour", checks))
