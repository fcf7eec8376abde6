"""Behaviour test for PO305 (unstreamed-large-response): the export routes of
`streaming_app.py` must send the same bytes before and after `perfopt fix --unsafe`, now as
streams; with `format = "ndjson"` they send the same elements, one per line.

    python run_streaming_behaviour.py --perfopt PATH_TO_BINARY

Each phase imports a copy of the app as a fresh module and calls it through httpx's ASGI
transport. The SQLite file is seeded once; the in-memory MongoDB is seeded in each phase with
the same fixed ids. The original app runs twice: a route whose own bytes differ between two
loads of the unchanged app, and the routes of `KEY_ORDER_VARIES` (SQLAlchemy objects encoded by
`jsonable_encoder` follow their `__dict__`, whose key order varies), are compared as JSON
values, every other route byte for byte. Only PO305 is applied. Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import asyncio
import difflib
import json
import os
import shutil
import sys
import warnings
from pathlib import Path

import httpx

from harness import Failure, load_module, run_checks, run_perfopt

HERE = Path(__file__).resolve().parent
APP = HERE / "streaming_app.py"
ROWS = 300
PHASE_TIMEOUT_S = 60

# (path, query parameters) of the routes PO305 rewrites.
STREAMED = [
    ("/orders/export", {}),
    ("/orders/export/empty", {}),
    ("/orders/export/summary", {}),
    ("/orders/export/summary", {"minimum": "15"}),
    ("/customers/all", {}),
    ("/products/export", {}),
    ("/products/export/labels", {}),
    ("/products/dump", {}),
]
# Reported without a fix: must answer exactly as before.
UNCHANGED = [("/products/export/by-name", {})]

# Routes returning SQLAlchemy objects without a response model: `jsonable_encoder` follows each
# object's `__dict__`, whose key order differs between a loaded list and a stream (and between
# runs of the unchanged app), so these are compared as JSON values, never byte for byte.
KEY_ORDER_VARIES = {"/orders/export"}


async def call_all(module):
    """Seeds the documents, then calls every route once; returns {(path, query): answer}."""
    await module.init_documents(ROWS)
    answers = {}
    transport = httpx.ASGITransport(app=module.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for path, params in STREAMED + UNCHANGED:
            response = await client.get(path, params=params)
            answers[(path, json.dumps(params))] = {
                "status": response.status_code,
                "content-type": response.headers.get("content-type"),
                "content-length": response.headers.get("content-length"),
                "body": response.content,
            }
    await module.engine.dispose()
    return answers


def run_phase(label, path, module_name):
    with warnings.catch_warnings():
        # mongomock-motor's Beanie 1.x stack warns about Pydantic deprecations on every document.
        warnings.simplefilter("ignore")
        module = load_module(path, module_name)
        try:
            return asyncio.run(asyncio.wait_for(call_all(module), PHASE_TIMEOUT_S))
        except TimeoutError:
            raise Failure(f"{label}: the calls did not finish within {PHASE_TIMEOUT_S} s")





def rewrite(perfopt, target, *args):
    """Runs `perfopt fix --unsafe` on `target`; returns the diff it made."""
    original = target.read_text()
    proc = run_perfopt(perfopt, target, "fix", "--unsafe", *args)
    if proc.returncode not in (0, 1):
        raise Failure(f"`perfopt fix --unsafe` exited {proc.returncode}:\n{proc.stdout}{proc.stderr}".strip())
    fixed = target.read_text()
    if fixed == original:
        raise Failure(f"perfopt did not change {target.name}:\n{proc.stdout}{proc.stderr}")
    try:
        compile(fixed, str(target), "exec")
    except SyntaxError as exc:
        raise Failure(f"{target.name} does not compile after the fix: {exc}")
    return "".join(difflib.unified_diff(original.splitlines(True), fixed.splitlines(True),
                                        f"{target.name} (before)", f"{target.name} (after)"))


def label(key):
    path, params = key
    return path + ("" if params == "{}" else f" {params}")


def checks(args, workdir):
    """Yields (name, problem or None) for each check."""
    os.environ["EXPORTS_DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / 'exports.db'}"
    array_app = workdir / "exports_array.py"
    ndjson_dir = workdir / "ndjson"
    ndjson_dir.mkdir()
    ndjson_app = ndjson_dir / "exports_ndjson.py"
    shutil.copy(APP, array_app)
    shutil.copy(APP, ndjson_app)
    (ndjson_dir / "perfopt.toml").write_text('[unstreamed-large-response]\nformat = "ndjson"\n')

    seeder = load_module(array_app, "exports_seed")
    asyncio.run(seeder.seed_database(ROWS))
    asyncio.run(seeder.engine.dispose())
    before = run_phase("original app", array_app, "exports_before")
    control = run_phase("original app, again", array_app, "exports_control")
    for key, answer in before.items():
        if answer["status"] >= 300:
            raise Failure(f"before the fix {label(key)} answered {answer['status']}: {answer['body'][:300]!r}")

    diff = rewrite(args.perfopt, array_app, "--isolated", "--select", "PO305")
    remaining = run_perfopt(args.perfopt, array_app, "check", "--isolated", "--select", "PO305")
    fixed_count = sum(1 for line in diff.splitlines() if line.startswith("+") and "StreamingResponse(" in line)
    yield "perfopt streamed every rewritable route", (
        None if fixed_count == len({p for p, _ in STREAMED}) else
        f"{fixed_count} routes rewritten, expected {len({p for p, _ in STREAMED})}:\n{diff}")
    left = [line for line in remaining.stdout.splitlines() if "PO305" in line]
    yield "only the sorted export is left reported", (
        None if len(left) == 1 and "export_products_by_name" in left[0] else
        "remaining findings:\n" + "\n".join(left))

    after = run_phase("fixed app (JSON array)", array_app, "exports_after")
    for path, params in STREAMED:
        key = (path, json.dumps(params))
        b, a = before[key], after[key]
        problems = []
        if a["status"] != b["status"]:
            problems.append(f"status {b['status']} before, {a['status']} after")
        if a["content-type"] != b["content-type"]:
            problems.append(f"content-type {b['content-type']!r} before, {a['content-type']!r} after")
        stable = path not in KEY_ORDER_VARIES and b["body"] == control[key]["body"]
        if stable and a["body"] != b["body"]:
            problems.append(first_difference(b["body"], a["body"]))
        if not stable and json.loads(a["body"]) != json.loads(b["body"]):
            problems.append("the bodies are not the same JSON value")
        if a["content-length"] is not None:
            problems.append("it still has a Content-Length: not streamed")
        same = "identical bytes" if stable else "the same JSON (the original's key order varies)"
        yield (f"{label(key)}: {b['status']}, {len(b['body'])} bytes, {same} after, streamed",
               "\n".join(problems) or None)
    for path, params in UNCHANGED:
        key = (path, json.dumps(params))
        b, a = before[key], after[key]
        yield f"{label(key)}: unchanged", None if a == b else first_difference(b["body"], a["body"])

    rewrite(args.perfopt, ndjson_app, "--select", "PO305")
    ndjson = run_phase("fixed app (NDJSON)", ndjson_app, "exports_ndjson")
    for path, params in STREAMED:
        key = (path, json.dumps(params))
        b, a = before[key], ndjson[key]
        expected = json.loads(b["body"])
        problems = []
        if a["status"] != b["status"]:
            problems.append(f"status {b['status']} before, {a['status']} after")
        if a["content-type"] != "application/x-ndjson":
            problems.append(f"content-type {a['content-type']!r}")
        lines = a["body"].decode("utf-8").splitlines()
        if [json.loads(line) for line in lines] != expected:
            problems.append(f"the lines do not parse to the same elements:\n{a['body'][:300]!r}")
        if a["body"] and not a["body"].endswith(b"\n"):
            problems.append("the last line has no newline")
        yield f"{label(key)} as NDJSON: {len(lines)} lines, the same elements", "\n".join(problems) or None


def first_difference(before, after):
    at = next((i for i, (x, y) in enumerate(zip(before, after)) if x != y), min(len(before), len(after)))
    return (f"bodies differ at byte {at} ({len(before)} bytes before, {len(after)} after):\n"
            f"  before: {before[max(0, at - 60):at + 60]!r}\n  after:  {after[max(0, at - 60):at + 60]!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfopt", required=True, help="perfopt binary")
    args = parser.parse_args()
    return run_checks("streaming-behaviour", lambda workdir: checks(args, workdir))


if __name__ == "__main__":
    sys.exit(main())
