"""Peak memory and time to first byte of a 100,000-row export before and after PO305's fix.

    python bench/streaming_memory.py --perfopt target/release/perfopt [--rows 100000]

Needs the packages of tests/behaviour/requirements.txt (scripts/test.sh makes target/test-venv).
Writes a small FastAPI app with two export routes on SQLAlchemy's async ORM over aiosqlite (raw
ORM objects, and a `list[OrderOut]` response model), seeds a SQLite file, and makes a copy fixed
by `perfopt fix --unsafe --select PO305`, and a third copy of the fixed app without the
`yield_per` the fix adds, to show why it does. Each (app, route) runs in a fresh interpreter that
calls the ASGI app directly, counting and discarding the body chunks as a server would send
them: it reports the wall time, the time to the first body chunk, and the peak of Python's
allocations during the request (tracemalloc, in a second request so that its overhead does not
distort the times). The body digests must match before and after.
"""
import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

APP = '''
import os
from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(os.environ["BENCH_DATABASE_URL"])
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(80))
    total: Mapped[float]
    note: Mapped[str | None]


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    customer: str
    total: float


async def get_session():
    async with SessionLocal() as session:
        yield session


@app.get("/orders/export")
async def export_orders(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Order).order_by(Order.id))
    return result.scalars().all()


@app.get("/orders/export/typed", response_model=list[OrderOut])
async def export_typed_orders(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(Order).order_by(Order.id))).all()
'''

ROUTES = ["/orders/export", "/orders/export/typed"]


async def request(app, path):
    """Calls the ASGI app once; returns (seconds, seconds to first body chunk, bytes, sha256)."""
    digest = hashlib.sha256()
    size = 0
    first = None
    start = time.perf_counter()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"", "headers": [(b"host", b"bench")], "client": ("127.0.0.1", 1),
             "server": ("bench", 80)}

    received = asyncio.Event()
    done = asyncio.Event()

    async def receive():
        # The request body once; then, like a server, nothing until the client goes away.
        if not received.is_set():
            received.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal size, first
        if message["type"] == "http.response.body" and message.get("body"):
            if first is None:
                first = time.perf_counter() - start
            size += len(message["body"])
            digest.update(message["body"])

    await app(scope, receive, send)
    done.set()
    return time.perf_counter() - start, first, size, digest.hexdigest()


def measure(app_path, route):
    """In this (fresh) interpreter: one timed request, then one under tracemalloc."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_app", app_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    async def run():
        await request(module.app, route)  # warm-up: imports, mapper configuration, pool
        seconds, first, size, digest = await request(module.app, route)
        tracemalloc.start()
        await request(module.app, route)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await module.engine.dispose()
        return {"seconds": seconds, "first_byte": first, "bytes": size, "sha256": digest, "peak": peak}

    print(json.dumps(asyncio.run(run())))


async def seed(app_path, rows):
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_seed", app_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    async with module.engine.begin() as connection:
        await connection.run_sync(module.Base.metadata.create_all)
        await connection.execute(module.Order.__table__.insert(), [
            {"id": i, "customer": f"Customer {i} – Zoë", "total": i * 0.25, "note": None if i % 3 else "gift"}
            for i in range(1, rows + 1)])
    await module.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfopt", help="perfopt binary")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--measure", nargs=2, metavar=("APP", "ROUTE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(*args.measure)
    with tempfile.TemporaryDirectory(prefix="perfopt-streaming-bench-") as tmp:
        tmp = Path(tmp)
        os.environ["BENCH_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        before, after = tmp / "before" / "exports.py", tmp / "after" / "exports.py"
        unbatched = tmp / "no_yield_per" / "exports.py"
        for path in (before, after, unbatched):
            path.parent.mkdir()
            path.write_text(APP)
        subprocess.run([args.perfopt, "fix", "--unsafe", "--isolated", "--select", "PO305", str(after)],
                       check=False, capture_output=True)
        if after.read_text().count("StreamingResponse(") != len(ROUTES):
            sys.exit("perfopt did not rewrite both routes")
        unbatched.write_text(after.read_text().replace(', execution_options={"yield_per": 1000}', ""))
        asyncio.run(seed(before, args.rows))
        print(f"{args.rows:,} rows; Python {sys.version.split()[0]}")
        print(f"{'route':<22} {'version':<22} {'body':>9} {'wall':>8} {'first byte':>11} {'peak alloc':>11}")
        for route in ROUTES:
            digests = set()
            for label, app in (("before", before), ("after", after), ("after, no yield_per", unbatched)):
                out = subprocess.run([sys.executable, __file__, "--measure", str(app), route],
                                     capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                digests.add(r["sha256"])
                print(f"{route:<22} {label:<22} {r['bytes'] / 1e6:>7.2f}MB {r['seconds']:>7.2f}s "
                      f"{r['first_byte']:>10.3f}s {r['peak'] / 2**20:>9.1f}MiB")
            print(f"{'':<22} same body: {'yes' if len(digests) == 1 else 'NO'}")


if __name__ == "__main__":
    main()
