"""What PO203's fix changes for one query: loading ROWS wide rows/documents (20 fields, about
1 KiB each) whole, against loading only the 2 fields the code reads.

    target/test-venv/bin/python bench/over_fetching.py [--rows 10000] [--runs 7]

SQL: SQLAlchemy 2 async on aiosqlite (a temporary file), `select(Wide)` read with
`session.scalars(...)`, against `select(Wide).options(load_only(Wide.name, Wide.email))` (the
rewrite PO203 writes). MongoDB: Beanie 1.x on mongomock-motor, `Wide.find_all().to_list()`
against `.project(WideNameEmail)`; mongomock is an in-process stand-in, so its times include no
network and say nothing of a MongoDB server, only of the decoding and validation saved.
Each query is timed RUNS times in a fresh session (median); "bytes" is what the database hands
the driver: the values of the selected SQL columns (`len(str(v))` summed), the BSON size of the
returned documents. Results: bench/over_fetching.md.
"""
import argparse
import asyncio
import os
import statistics
import tempfile
import time

import bson
from beanie import Document, init_beanie
from mongomock_motor import AsyncMongoMockClient
from pydantic import BaseModel
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, load_only, mapped_column

EXTRA = [f"field_{i:02}" for i in range(18)]


class Base(DeclarativeBase):
    pass


# 20 fields each: the 2 the code reads and 18 it does not (built from a list, not written out).
Wide = type("Wide", (Base,), {
    "__module__": __name__,
    "__tablename__": "wide",
    "__annotations__": {"id": Mapped[int], "name": Mapped[str], "email": Mapped[str],
                        **{column: Mapped[str] for column in EXTRA}},
    "id": mapped_column(primary_key=True),
    "name": mapped_column(String(40)),
    "email": mapped_column(String(60)),
    **{column: mapped_column(String(60)) for column in EXTRA},
})
WideDocument = type("WideDocument", (Document,), {
    "__module__": __name__,
    "__annotations__": {"name": str, "email": str, **{column: str for column in EXTRA}},
})


class WideNameEmail(BaseModel):
    name: str
    email: str


def row(i):
    return {"name": f"name-{i}", "email": f"user{i}@example.com", **{c: f"{c}-{i:06}-" + "x" * 40 for c in EXTRA}}


async def timed(runs, load):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = await load()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


async def sql(rows, runs, folder):
    engine = create_async_engine(f"sqlite+aiosqlite:///{os.path.join(folder, 'wide.db')}")
    Session = async_sessionmaker(engine, expire_on_commit=False)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with Session() as session:
        session.add_all(Wide(id=i, **row(i)) for i in range(1, rows + 1))
        await session.commit()
    async def names(statement):
        async with Session() as session:
            return [(w.name, w.email) for w in await session.scalars(statement)]

    async def size(statement):
        async with engine.connect() as connection:
            result = await connection.execute(statement)
            return sum(len(str(v)) for r in result.all() for v in r)

    whole = select(Wide)
    projected = select(Wide).options(load_only(Wide.name, Wide.email))
    t_whole, a = await timed(runs, lambda: names(whole))
    t_projected, b = await timed(runs, lambda: names(projected))
    assert a == b
    columns_whole = [c for c in Wide.__table__.columns]
    columns_projected = [Wide.id, Wide.name, Wide.email]
    bytes_whole = await size(select(*columns_whole))
    bytes_projected = await size(select(*columns_projected))
    await engine.dispose()
    return t_whole, t_projected, bytes_whole, bytes_projected


async def mongo(rows, runs):
    client = AsyncMongoMockClient()
    await init_beanie(database=client["bench"], document_models=[WideDocument])
    collection = WideDocument.get_motor_collection()
    await collection.insert_many([row(i) for i in range(rows)])

    async def names(query):
        return [(d.name, d.email) for d in await query().to_list()]

    t_whole, a = await timed(runs, lambda: names(lambda: WideDocument.find_all()))
    t_projected, b = await timed(runs, lambda: names(lambda: WideDocument.find_all().project(WideNameEmail)))
    assert a == b
    bytes_whole = sum(len(bson.encode(d)) for d in await collection.find({}).to_list(None))
    bytes_projected = sum(len(bson.encode(d)) for d in await collection.find({}, {"name": 1, "email": 1}).to_list(None))
    return t_whole, t_projected, bytes_whole, bytes_projected


async def main(rows, runs):
    with tempfile.TemporaryDirectory() as folder:
        results = {
            "SQLAlchemy + aiosqlite, `load_only`": await sql(rows, runs, folder),
            "Beanie + mongomock-motor, `.project(View)`": await mongo(rows, runs),
        }
    print(f"{rows} rows/documents of 20 fields, reading 2; median of {runs} runs\n")
    print("| backend | whole | projected | time ratio | bytes whole | bytes projected | bytes ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (t_whole, t_projected, b_whole, b_projected) in results.items():
        print(f"| {name} | {t_whole * 1000:.0f} ms | {t_projected * 1000:.0f} ms | {t_whole / t_projected:.1f}x "
              f"| {b_whole / 1024:.0f} KiB | {b_projected / 1024:.0f} KiB | {b_whole / b_projected:.1f}x |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.runs))
