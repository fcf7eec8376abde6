"""Behaviour test for PO204 (write-in-loop) and PO206 (unbounded-count): after
`perfopt fix --unsafe --select PO204,PO206`, the app must store the same rows and return the same
counts, with fewer transactions and SQL statements.

    python run_db_writes_behaviour.py --perfopt PATH_TO_BINARY

`db_writes_app.py` is copied to a temporary folder and imported on a fresh SQLite file; 300
orders are imported through its per-row-commit loop, then counted by status, by customer and in
all, and the stored rows read back; 120 audit documents are inserted one by one into Beanie
(mongomock-motor), counted by ref and read back. Then perfopt rewrites the copy and the same runs on a new
database. The statements each phase sends are counted with SQLAlchemy's
`before_cursor_execute` event, its commits with the `commit` event, and both are printed with
the phase's wall time, before and after. (On SQLite the ORM still sends one INSERT per row,
since SQLite's RETURNING gives no row order: the import saves transactions, not statements.)
Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

from sqlalchemy import event

from harness import Failure, load_module, run_checks, run_perfopt

HERE = Path(__file__).resolve().parent
APP = HERE / "db_writes_app.py"
STATUSES = ["open", "paid", "shipped", "cancelled"]
LINES = [
    {"customer": f"customer-{i % 17}", "status": STATUSES[i % 4 if i % 5 else 1], "total": round(i * 1.25, 2)}
    for i in range(300)
]


def load(path, module_name, database):
    os.environ["DB_WRITES_URL"] = f"sqlite+aiosqlite:///{database}"
    return load_module(path, module_name)


class Phase:
    """What one phase of the scenario sent to the database, and how long it took."""

    def __init__(self, statements, commits, seconds):
        self.statements, self.commits, self.seconds = statements, commits, seconds

    def __str__(self):
        return f"{self.statements} statements, {self.commits} commits, {self.seconds * 1000:.0f} ms"


async def scenario(module):
    """The results of each call, and what the import and the counts sent."""
    sent = {"statements": 0, "commits": 0}

    def count(kind):
        def listener(*_):
            sent[kind] += 1
        return listener

    event.listen(module.engine.sync_engine, "before_cursor_execute", count("statements"))
    event.listen(module.engine.sync_engine, "commit", count("commits"))

    async def phase(work):
        sent.update(statements=0, commits=0)
        started = time.perf_counter()
        result = await work
        return result, Phase(sent["statements"], sent["commits"], time.perf_counter() - started)

    try:
        await module.create_tables()
        imported, import_phase = await phase(module.import_orders(LINES))

        async def all_counts():
            return {
                **{f"status {s}": await module.count_by_status(s) for s in STATUSES},
                **{f"customer {c}": await module.count_for_customer(c) for c in ("customer-0", "customer-5", "nobody")},
                "all": await module.count_all(),
            }

        counts, count_phase = await phase(all_counts())
        rows = await module.all_orders()
        empty_import = await module.import_orders([])
        refs = [f"order-{i % 7}" for i in range(120)]
        audited = await module.record_audit(refs)
        empty_audit = await module.record_audit([])
        return {
            "audited": audited,
            "empty audit": empty_audit,
            "audit counts": {ref: await module.count_audit(ref) for ref in sorted(set(refs)) + ["none"]},
            "audit entries": await module.all_audit(),
            "imported": imported,
            "counts": counts,
            "rows": rows,
            "empty import": empty_import,
            "rows after an empty import": len(await module.all_orders()),
        }, import_phase, count_phase
    finally:
        await module.engine.dispose()





def checks(perfopt, workdir):
    target = workdir / APP.name
    shutil.copy(APP, target)
    before, before_imports, before_counts = asyncio.run(
        scenario(load(target, "perfopt_db_writes_before", workdir / "before.db")))
    yield "before the fix: 300 orders stored", (
        None if len(before["rows"]) == 300 else f"{len(before['rows'])} rows")

    fixed = run_perfopt(perfopt, target, "fix", "--unsafe", "--isolated", "--select", "PO204,PO206")
    if fixed.returncode not in (0, 1):
        raise Failure(f"`perfopt fix --unsafe` exited {fixed.returncode}:\n{fixed.stdout}{fixed.stderr}")
    text = target.read_text()
    yield "perfopt batched both imports and rewrote the four counts", (
        None if "add_all(" in text and "insert_many(" in text and text.count("func.count()") == 3
        and ".count()" in text.replace("func.count()", "") else f"the fixed app:\n{text}")
    remaining = run_perfopt(perfopt, target, "check", "--isolated", "--select", "PO204,PO206")
    yield "nothing left for PO204/PO206 after the fix", (
        None if remaining.returncode == 0 else (remaining.stdout + remaining.stderr).strip())

    after, after_imports, after_counts = asyncio.run(
        scenario(load(target, "perfopt_db_writes_after", workdir / "after.db")))
    for key in before:
        yield f"same {key} after the fix", (
            None if before[key] == after[key] else f"before {before[key]!r}\nafter  {after[key]!r}")
    print(f"import of {len(LINES)} orders: {before_imports} before; {after_imports} after")
    print(f"{len(before['counts'])} counts: {before_counts} before; {after_counts} after")
    yield "the import commits once after the fix", (
        None if after_imports.commits == 1 < before_imports.commits else f"{before_imports} before, {after_imports} after")
    yield "the counts send no more statements after the fix", (
        None if after_counts.statements <= before_counts.statements else f"{before_counts} before, {after_counts} after")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfopt", required=True, help="perfopt binary")
    args = parser.parse_args()
    return run_checks("db-writes-behaviour", lambda workdir: checks(args.perfopt, workdir))


if __name__ == "__main__":
    sys.exit(main())
