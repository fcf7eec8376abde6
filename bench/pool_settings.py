"""What PO207's fixes buy, against real servers on 127.0.0.1 (not part of CI or tests).

(a) a redis.asyncio client built per request vs one shared client;
(b) SQLAlchemy create_async_engine with NullPool vs the default pool (PostgreSQL + asyncpg),
    per-query latency and throughput at 1 and 16 concurrent tasks;
(c) redis max_connections=N under 4*N concurrent tasks: the default pool's MaxConnectionsError
    vs BlockingConnectionPool.

    REDIS_URL=redis://127.0.0.1:6399/0 PG_URL=postgresql+asyncpg://bench@127.0.0.1:54377/postgres \
        target/po207-bench/bin/python bench/pool_settings.py

See bench/pool_settings.md for the set-up and the numbers.
"""

import asyncio
import os
import statistics
import time

import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6399/0")
PG_URL = os.environ.get("PG_URL", "postgresql+asyncpg://bench@127.0.0.1:54377/postgres")
REQUESTS = int(os.environ.get("REQUESTS", "2000"))


async def run_tasks(concurrency, total, one_request):
    """Runs `total` calls of `one_request` on `concurrency` tasks; returns (seconds, latencies)."""
    latencies = []
    per_task = total // concurrency

    async def worker():
        for _ in range(per_task):
            started = time.perf_counter()
            await one_request()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def line(label, seconds, latencies):
    mean_ms = statistics.mean(latencies) * 1000
    p50_ms = statistics.median(latencies) * 1000
    rate = len(latencies) / seconds
    print(f"  {label:<34} {rate:9.0f} req/s  mean {mean_ms:7.3f} ms  p50 {p50_ms:7.3f} ms")
    return rate, mean_ms


async def redis_client_per_request():
    print("(a) redis.asyncio: a client per request vs one shared client (GET of one key)")
    shared = aioredis.from_url(REDIS_URL)
    await shared.set("po207:key", "value")

    async def per_request():
        client = aioredis.from_url(REDIS_URL)
        await client.get("po207:key")
        await client.aclose()

    async def shared_request():
        await shared.get("po207:key")

    for concurrency in (1, 16):
        _, fresh_mean = line(
            f"per request, {concurrency} task(s)", *await run_tasks(concurrency, REQUESTS, per_request)
        )
        _, shared_mean = line(
            f"shared, {concurrency} task(s)", *await run_tasks(concurrency, REQUESTS, shared_request)
        )
        print(f"  -> per-request latency / shared latency at {concurrency}: {fresh_mean / shared_mean:.1f}x")
    await shared.aclose()


async def engine_pools():
    print("(b) create_async_engine: NullPool vs the default pool (SELECT 1 on PostgreSQL, asyncpg)")
    for concurrency in (1, 16):
        results = {}
        for label, kwargs in (("NullPool", {"poolclass": NullPool}), ("default pool", {})):
            engine = create_async_engine(PG_URL, **kwargs)

            async def query():
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))

            await query()  # the first connection and the dialect's start-up queries
            results[label] = line(
                f"{label}, {concurrency} task(s)", *await run_tasks(concurrency, REQUESTS, query)
            )
            await engine.dispose()
        (null_rate, null_mean), (pool_rate, pool_mean) = results["NullPool"], results["default pool"]
        print(
            f"  -> at {concurrency}: throughput default/NullPool {pool_rate / null_rate:.1f}x,"
            f" latency NullPool/default {null_mean / pool_mean:.1f}x"
        )


async def capped_pools():
    cap = 4
    concurrency = cap * 4
    print(f"(c) redis max_connections={cap} under {concurrency} concurrent tasks (GET, {REQUESTS} in all)")
    pools = (
        ("from_url(max_connections=4)", aioredis.from_url(REDIS_URL, max_connections=cap)),
        (
            "BlockingConnectionPool",
            aioredis.Redis.from_pool(aioredis.BlockingConnectionPool.from_url(REDIS_URL, max_connections=cap)),
        ),
    )
    for label, client in pools:
        errors = 0

        async def request():
            nonlocal errors
            try:
                await client.get("po207:key")
            except aioredis.ConnectionError:
                errors += 1

        seconds, latencies = await run_tasks(concurrency, REQUESTS, request)
        line(label, seconds, latencies)
        print(f"  -> {errors} of {len(latencies)} requests failed (MaxConnectionsError)")
        await client.aclose()


async def main():
    import redis
    import sqlalchemy
    import asyncpg

    print(f"redis-py {redis.__version__}, SQLAlchemy {sqlalchemy.__version__}, asyncpg {asyncpg.__version__}")
    print(f"{REQUESTS} requests per line\n")
    await redis_client_per_request()
    print()
    await engine_pools()
    print()
    await capped_pools()


if __name__ == "__main__":
    asyncio.run(main())
