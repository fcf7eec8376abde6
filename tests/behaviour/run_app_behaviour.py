"""Behaviour test for `perfopt fix --unsafe` on a FastAPI app: every endpoint of
`fastapi_app.py` must answer the same before and after the rewrite.

    python run_app_behaviour.py --perfopt PATH_TO_BINARY

The app is imported in this process (a fresh module each time) and called through httpx's
ASGI transport with `Accept-Encoding: gzip`, against the loopback upstream of `upstream.py`.
Expected differences, and only these: `/settings` fails on its second call before the fix
(`lru_cache` on an `async def`, PO303) and answers twice after it; `/catalogue`, the one large
body, is gzip-encoded after the fix (PO304) and decodes to the same JSON; `/stock/A1`, called
twice, is answered from fastapi-cache2's cache the second time after the fix (PO301: `X-FastAPI-Cache:
HIT`, same body), although its handler takes a new database-session object on every request.
The app runs inside its lifespan (where the fix initialises the cache).
Exit 0 when every check passes, 1 otherwise.
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

import upstream
from harness import Failure, load_module, run_checks, run_perfopt

HERE = Path(__file__).resolve().parent
APP = HERE / "fastapi_app.py"
PHASE_TIMEOUT_S = 60

# (name, method, path, request options). Each is called once per phase, in this order.
CALLS = [
    ("healthz", "GET", "/healthz", {}),
    ("search (PO101, PO306)", "GET", "/products/search", {"params": {"q": "shoes", "page": 2}}),
    ("create order (PO101 json=)", "POST", "/orders", {"json": {"sku": "A1", "qty": 3, "note": "gift"}}),
    ("create order, invalid body", "POST", "/orders", {"json": {"qty": "many"}}),
    ("order status, upstream 404 (PO101 except)", "GET", "/orders/77/status", {}),
    ("legacy catalogue, redirect (PO101)", "GET", "/legacy/catalogue", {}),
    ("upload blob (PO101 data=bytes)", "PUT", "/blobs/invoice-7", {}),
    ("daily report (PO102)", "GET", "/reports/daily", {}),
    ("banner (PO103 Path.read_text)", "GET", "/banner", {}),
    ("prices (PO103 with open)", "GET", "/prices", {"params": {"currency": "USD"}}),
    ("prices, unknown currency (PO103 with open)", "GET", "/prices", {"params": {"currency": "XXX"}}),
    ("version (PO104)", "GET", "/version", {}),
    ("flags (PO105)", "GET", "/flags", {}),
    ("bundle, loop (PO106)", "GET", "/bundles/7", {}),
    ("bundle, loop, given order (PO106)", "GET", "/bundles/8", {"params": {"ids": "5,3,9,1"}}),
    ("bundle prices, comprehension (PO106)", "GET", "/bundles/7/prices", {}),
    ("bundle prices, comprehension, given order (PO106)", "GET", "/bundles/8/prices", {"params": {"ids": "6,1,4,2"}}),
    ("catalogue, large body (PO304)", "GET", "/catalogue", {}),
]
SETTINGS = ("/settings", 2)  # PO303: called twice per phase
CACHED = "/stock/A1"  # PO301: called twice per phase
LARGE = "catalogue, large body (PO304)"


def write_data(data_dir):
    data_dir.mkdir()
    (data_dir / "banner.txt").write_text("Soldes d'été — jusqu'à 30 %\n", encoding="utf-8")
    (data_dir / "prices.json").write_text(json.dumps({
        "EUR": {"A1": 9.5, "B2": 120.0}, "USD": {"A1": 10.25, "B2": 129.99}}), encoding="utf-8")
    (data_dir / "flags.json").write_text(json.dumps({"checkout_v2": True, "beta_banner": False}))


def load_app(path, module_name):
    """Imports `path` as a new module `module_name`; returns its `app`."""
    return load_module(path, module_name).app


def outcome(response):
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return {"status": response.status_code, "body": body,
            "content-encoding": response.headers.get("content-encoding")}


async def call_all(app):
    """Calls every endpoint once (/settings twice); returns {name: outcome}."""
    results = {}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    # httpx's ASGI transport does not run the lifespan: enter it here, as a server would.
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://test", headers={"Accept-Encoding": "gzip"}) as client:
        path, times = SETTINGS
        for n in range(1, times + 1):
            try:
                results[f"settings call {n}"] = outcome(await client.get(path))
            except Exception as exc:  # the app's exception, if it escapes the transport
                results[f"settings call {n}"] = {"status": "error", "body": f"{type(exc).__name__}: {exc}"}
        for name, method, url, options in CALLS:
            results[name] = outcome(await client.request(method, url, **options))
        identity = await client.get("/catalogue", headers={"Accept-Encoding": "identity"})
        results["catalogue, Accept-Encoding: identity"] = outcome(identity)
        for n in (1, 2):
            response = await client.get(CACHED)
            results[f"cached call {n}"] = dict(outcome(response),
                                               cache=response.headers.get("x-fastapi-cache"))
    return results


def run_phase(label, path, module_name):
    """Imports the app and calls it; returns (results, warnings seen)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        app = load_app(path, module_name)
        try:
            results = asyncio.run(asyncio.wait_for(call_all(app), PHASE_TIMEOUT_S))
        except TimeoutError:
            raise Failure(f"{label}: the calls did not finish within {PHASE_TIMEOUT_S} s")
    notes = sorted({f"{w.category.__name__}: {w.message} ({Path(w.filename).name}:{w.lineno})"
                    for w in seen})
    for note in notes:
        print(f"note: {label} warned: {note}")
    return results, notes


def rewrite(target, perfopt):
    proc = run_perfopt(perfopt, target, "fix", "--unsafe", "--isolated")
    # 0: nothing left to fix, 1: findings remain; anything else is an error.
    if proc.returncode not in (0, 1):
        raise Failure(f"`perfopt fix --unsafe` exited {proc.returncode}:\n{proc.stdout}{proc.stderr}".strip())


def show(value):
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def compare(name, before, after):
    if before == after:
        return None
    lines = difflib.unified_diff(show(before).splitlines(), show(after).splitlines(),
                                 "before", "after", lineterm="")
    return f"{name} differs:\n" + "\n".join(lines)


def app_checks(args, workdir):
    """Yields (name, problem or None) for each check."""
    target = workdir / APP.name
    shutil.copy(APP, target)
    original = target.read_text()
    before, before_warnings = run_phase("original app", target, "perfopt_app_before")

    rewrite(target, args.perfopt)
    fixed = target.read_text()
    diff = "".join(difflib.unified_diff(original.splitlines(True), fixed.splitlines(True),
                                        "fastapi_app.py (before)", "fastapi_app.py (after)"))
    yield "perfopt changed the app", None if fixed != original else "the file is unchanged"
    try:
        compile(fixed, str(target), "exec")
        problem = None
    except SyntaxError as exc:
        problem = f"the fixed file does not compile: {exc}\n{diff}"
    yield "fixed app compiles", problem
    if problem:
        return

    remaining = run_perfopt(args.perfopt, target, "check", "--isolated", "--select", "PO1,PO3")
    print(f"remaining after the fix (`perfopt check --select PO1,PO3`, exit {remaining.returncode}):")
    print("  " + ("\n  ".join((remaining.stdout + remaining.stderr).strip().splitlines()) or "(none)"))

    try:
        after, after_warnings = run_phase("fixed app", target, "perfopt_app_after")
    except Failure:
        print(f"the diff perfopt made:\n{diff}")
        raise
    failed = False

    for name, *_ in CALLS:
        b, a = dict(before[name]), dict(after[name])
        if name == LARGE:
            problems = []
            if b["content-encoding"] is not None:
                problems.append(f"before the fix it was already encoded: {b['content-encoding']!r}")
            if a["content-encoding"] != "gzip":
                problems.append(f"after the fix it is not gzip-encoded: {a['content-encoding']!r}")
            b.pop("content-encoding"), a.pop("content-encoding")
            if len(json.dumps(b["body"])) <= 1000:
                problems.append("the body is not over 1000 bytes")
            problem = compare(name, b, a)
            if problem:
                problems.append(problem)
            problem = "\n".join(problems) or None
        else:
            problem = compare(name, b, a)
        failed |= problem is not None
        yield f"{name}: {b['status']}, same answer after the fix", problem

    identity = "catalogue, Accept-Encoding: identity"
    b, a = before[identity], after[identity]
    problem = compare(identity, b, a)
    if a["content-encoding"] is not None:
        problem = f"encoded {a['content-encoding']!r} for a client that asked for identity"
    elif problem is None and b["body"] != before[LARGE]["body"]:
        problem = "the identity and gzip bodies differ"
    failed |= problem is not None
    yield "catalogue without gzip: not encoded, same body", problem

    first_b, second_b = before["settings call 1"], before["settings call 2"]
    first_a, second_a = after["settings call 1"], after["settings call 2"]
    problem = None
    if first_b["status"] != 200:
        problem = f"before the fix the first call answered {show(first_b)}"
    elif second_b["status"] not in (500, "error"):
        problem = f"before the fix the second call did not fail (lru_cache on async def): {show(second_b)}"
    yield "settings before the fix: first call 200, second fails (PO303 bug shape)", problem
    failed |= problem is not None
    problem = None
    if first_a["status"] != 200 or second_a != first_a:
        problem = f"after the fix: first {show(first_a)}\nsecond {show(second_a)}"
    elif first_a != first_b:
        problem = compare("settings first call", first_b, first_a)
    yield "settings after the fix: both calls 200, same body as before (PO303)", problem
    failed |= problem is not None

    calls = [before["cached call 1"], before["cached call 2"], after["cached call 1"], after["cached call 2"]]
    bodies = [(c["status"], c["body"]) for c in calls]
    problem = None
    if [c["cache"] for c in calls] != [None, None, "MISS", "HIT"]:
        problem = f"cache headers before, before, after, after: {[c['cache'] for c in calls]}"
    elif bodies.count(bodies[0]) != 4 or bodies[0][0] != 200:
        problem = "the answers differ:\n" + "\n".join(show(c) for c in calls)
    yield "stock: a cache hit on the second call after the fix, same body (PO301)", problem
    failed |= problem is not None

    new_deprecations = [w for w in after_warnings
                        if w.startswith("DeprecationWarning") and w not in before_warnings]
    yield "no new deprecation warnings after the fix", (
        "\n".join(new_deprecations) if new_deprecations else None)
    failed |= bool(new_deprecations)

    if failed:
        print(f"the diff perfopt made:\n{diff}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfopt", required=True,
                        help="perfopt binary; runs `perfopt fix --unsafe` on a copy of the app")
    args = parser.parse_args()

    server = upstream.start()

    def checks(workdir):
        write_data(workdir / "data")
        os.environ["UPSTREAM_URL"] = f"http://127.0.0.1:{server.server_address[1]}"
        os.environ["APP_DATA_DIR"] = str(workdir / "data")
        yield from app_checks(args, workdir)

    try:
        return run_checks("app-behaviour", checks)
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
