#!/usr/bin/env python3
"""How should rewritten code get its ``httpx.AsyncClient``?

perfopt rewrites ``requests.get(...)`` inside ``async def`` into an httpx
async call.  This script measures, against a local HTTP/1.1 server on
127.0.0.1, what each way of obtaining the client costs per call:

  A  ``requests.get(url)``                          blocking baseline
  B  ``async with httpx.AsyncClient() as c``         fresh client per call
  C  ``async with httpx.AsyncClient(verify=_ctx)``   fresh client per call,
     one module-level SSL context (``_ctx = httpx.create_ssl_context()``),
     ``c.request("GET", url, follow_redirects=True, timeout=None)``
  D  one module-level ``httpx.AsyncClient()`` shared by every call
  E  D with a cookie-refusing jar

For each: process CPU time (``time.process_time``) and wall time of N
sequential calls (median of R repeats), and wall/CPU time of 64 concurrent
calls through ``asyncio.gather`` (median of R repeats).  It also times the
construction of ``AsyncClient()`` against ``AsyncClient(verify=_ctx)`` with no
request, and checks what C and D do with cookies and event loops, for httpx
and (when installed) for the httpx2 fork used as ``import httpx2 as httpx``.

The server (stdlib ``ThreadingHTTPServer`` in a thread, HTTP/1.1, tiny JSON
body) runs in a child process by default, so that ``process_time`` here
counts the client's CPU only; ``--server-in-process`` puts it in a thread of
this process instead (then CPU figures include the server's work).

No timing assertions: the script only fails if a request does not return 200.

    python bench/client_strategies.py [--lib httpx|httpx2] [-n 300] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import http.cookiejar
import importlib
import importlib.metadata
import json
import os
import platform
import shlex
import ssl
import statistics
import subprocess
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b'{"ok": true}'
CONCURRENCY = 64

# --------------------------------------------------------------------------
# Server


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so a shared client reuses connections
    disable_nagle_algorithm = True  # headers and body go out in two writes
    delay = 0.0  # seconds slept before answering (--delay-ms)

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        if self.delay:
            time.sleep(self.delay)
        extra = []
        if self.path == "/set-cookie":
            extra.append(("Set-Cookie", "sid=abc; Path=/"))
            body = BODY
        elif self.path == "/echo-cookie":
            body = json.dumps({"cookie": self.headers.get("Cookie")}).encode()
        else:
            body = BODY
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 drops SYNs at 64 concurrent connects

    def handle_error(self, request, client_address) -> None:
        # The event-loop check below leaves a client whose loop is gone; its
        # socket is reset when garbage-collected.  That is expected: stay quiet.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def start_server_thread(delay_ms: float = 0.0) -> tuple[Server, int]:
    Handler.delay = delay_ms / 1000
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def serve_child(delay_ms: float) -> None:
    """Child-process mode: print the port, serve until stdin closes."""
    srv, port = start_server_thread(delay_ms)
    print(port, flush=True)
    sys.stdin.read()
    srv.shutdown()


# --------------------------------------------------------------------------
# Strategies


def make_strategies(hx, base: str, with_requests: bool = True):
    """Return ({name: async call}, [clients to close], description)."""
    import requests

    url = base + "/"
    _ctx = hx.create_ssl_context()  # C: once, at module level in real code
    shared_d = hx.AsyncClient()
    shared_e = hx.AsyncClient(
        cookies=http.cookiejar.CookieJar(
            policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
        )
    )

    def check(r) -> None:
        if r.status_code != 200:
            raise RuntimeError(f"unexpected status {r.status_code}")

    async def a() -> None:
        check(requests.get(url))  # blocks the event loop, as the original code does

    async def b() -> None:
        async with hx.AsyncClient() as c:
            check(await c.get(url))

    async def c() -> None:
        async with hx.AsyncClient(verify=_ctx) as cl:
            check(await cl.request("GET", url, follow_redirects=True, timeout=None))

    async def d() -> None:
        check(await shared_d.get(url))

    async def e() -> None:
        check(await shared_e.get(url))

    calls = {}
    if with_requests:
        calls["A requests.get (blocking)"] = a
    calls["B fresh AsyncClient() per call"] = b
    calls["C fresh AsyncClient(verify=_ctx) per call"] = c
    calls["D shared AsyncClient()"] = d
    calls["E shared AsyncClient(cookie-refusing jar)"] = e
    return calls, [shared_d, shared_e]


# Freeing an SSL context (its CA store: tens of thousands of small OpenSSL
# allocations) leaves glibc's heap with work that the *next* allocations pay
# for.  Without a settle step between timed blocks, a block run after B (or
# after building 200 default clients) is charged part of B's cost.  So each
# block starts from a settled heap, and the settle time after a block (the
# deferred cost that block left behind) is recorded, but outside the timings.
try:
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc: no settle step
    _malloc_trim = None


def settle() -> float:
    """gc + malloc_trim(0); returns the CPU seconds it took (nan without glibc)."""
    gc.collect()
    if _malloc_trim is None:
        return float("nan")
    c0 = time.process_time()
    _malloc_trim(0)
    return time.process_time() - c0


async def timed(coro_factory) -> tuple[float, float, float]:
    """(wall s, CPU s, CPU s of the untimed settle after it)."""
    settle()
    c0 = time.process_time()
    w0 = time.perf_counter()
    await coro_factory()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return wall, cpu, settle()


async def run_benchmark(hx, base: str, n: int, repeats: int, warmup: int):
    calls, to_close = make_strategies(hx, base)
    seq = {k: [] for k in calls}
    conc = {k: [] for k in calls}

    def seq_factory(call):
        async def run():
            for _ in range(n):
                await call()
        return run

    def conc_factory(call):
        async def run():
            await asyncio.gather(*(call() for _ in range(CONCURRENCY)))
        return run

    for call in calls.values():  # untimed warm-up: imports, first connection
        for _ in range(warmup):
            await call()
        await conc_factory(call)()

    # Interleave strategies inside each repeat so drift on the noisy machine
    # spreads over all of them instead of landing on one.
    for _ in range(repeats):
        for k, call in calls.items():
            seq[k].append(await timed(seq_factory(call)))
    for _ in range(repeats):
        for k, call in calls.items():
            conc[k].append(await timed(conc_factory(call)))

    for cl in to_close:
        await cl.aclose()
    return seq, conc


# --------------------------------------------------------------------------
# Construction cost (no request)


def construction_cost(hx, n: int, repeats: int) -> dict[str, list[tuple[float, float]]]:
    """{case: [(construct CPU ms each, settle-after-drop CPU ms each), ...]}"""
    import certifi

    _ctx = hx.create_ssl_context()
    cases = {
        "AsyncClient()": lambda: hx.AsyncClient(),
        "AsyncClient(verify=_ctx)": lambda: hx.AsyncClient(verify=_ctx),
        "create_ssl_context()": lambda: hx.create_ssl_context(),
        "ssl.create_default_context(cafile=certifi.where())": lambda: ssl.create_default_context(
            cafile=certifi.where()
        ),
    }

    # With proxy variables set, httpx builds one more transport, and one more
    # SSL context, per variable.  The proxy is never contacted (no request).
    proxy_env = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}

    def with_proxy_env(make):
        def f():
            saved = {k: os.environ.get(k) for k in proxy_env}
            os.environ.update(proxy_env)
            try:
                return make()
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        return f

    cases["AsyncClient(), HTTP_PROXY+HTTPS_PROXY set"] = with_proxy_env(lambda: hx.AsyncClient())
    cases["AsyncClient(verify=_ctx), HTTP_PROXY+HTTPS_PROXY set"] = with_proxy_env(
        lambda: hx.AsyncClient(verify=_ctx)
    )
    out: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
    for k, f in cases.items():  # warm-up
        f()
    for _ in range(repeats):
        for k, f in cases.items():
            keep = []
            settle()
            c0 = time.process_time()
            for _ in range(n):
                keep.append(f())
            built = (time.process_time() - c0) / n * 1000
            del keep  # never opened: nothing to close
            out[k].append((built, settle() / n * 1000))
    return out


# --------------------------------------------------------------------------
# Semantics: cookies and event loops (C vs D vs E), warnings


def semantics(hx, base: str) -> dict[str, str]:
    import requests

    res: dict[str, str] = {}
    _ctx = hx.create_ssl_context()

    # Cookies: does a cookie set by one call come back on the next call?
    def sent(r) -> str:
        return "cookie sent back" if r.json()["cookie"] else "no cookie sent"

    requests.get(base + "/set-cookie")
    res["A cookies"] = sent(requests.get(base + "/echo-cookie"))

    async def c_call(path):
        async with hx.AsyncClient(verify=_ctx) as cl:
            return await cl.request("GET", base + path, follow_redirects=True, timeout=None)

    async def cookies_c():
        await c_call("/set-cookie")
        return sent(await c_call("/echo-cookie"))

    async def cookies_shared(client):
        async with client:
            await client.get(base + "/set-cookie")
            return sent(await client.get(base + "/echo-cookie"))

    res["C cookies"] = asyncio.run(cookies_c())
    res["D cookies"] = asyncio.run(cookies_shared(hx.AsyncClient()))
    res["E cookies"] = asyncio.run(
        cookies_shared(
            hx.AsyncClient(
                cookies=http.cookiejar.CookieJar(
                    policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
                )
            )
        )
    )

    # Event loops: the same code run under two successive asyncio.run() calls,
    # as a sync program calling an async helper twice would.
    def two_loops(make_call) -> str:
        outcomes = []
        for _ in range(2):
            async def once():
                return await asyncio.wait_for(make_call(), 10)
            try:
                r = asyncio.run(once())
                outcomes.append(f"ok {r.status_code}")
            except Exception as exc:  # report, don't fail: this is the finding
                outcomes.append(f"{type(exc).__name__}: {exc}"[:120])
        return " / ".join(outcomes)

    res["C two asyncio.run()"] = two_loops(lambda: c_call("/"))
    shared = hx.AsyncClient()
    res["D two asyncio.run()"] = two_loops(lambda: shared.get(base + "/"))
    # Its pooled connection belongs to the first, closed loop and cannot be
    # closed any more: drop it quietly (the server sees a reset).
    del shared
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    return res


def c_with_warnings(hx, base: str, calls: int = 20) -> str:
    """Strategy C as written, under warnings 'always'; returns a one-line verdict."""
    gc.collect()  # leftovers of earlier checks must not be counted here
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        _ctx = hx.create_ssl_context()

        async def main():
            for _ in range(calls):
                async with hx.AsyncClient(verify=_ctx) as c:
                    r = await c.request("GET", base + "/", follow_redirects=True, timeout=None)
                    assert r.status_code == 200 and r.json() == {"ok": True}

        asyncio.run(main())
        gc.collect()  # a socket C failed to close would warn now
    msgs = sorted({f"{x.category.__name__}: {x.message}" for x in w})
    return f"{calls} calls ok, 200 + JSON; warnings: {msgs or 'none'}"


# --------------------------------------------------------------------------
# Report


def med(xs):
    return statistics.median(xs)


def fmt_table(seq, conc, n, d_key) -> str:
    d_cpu = med([c for _, c, _ in seq[d_key]]) / n
    d_wall = med([w for w, _, _ in seq[d_key]]) / n
    d_conc = med([w for w, _, _ in conc[d_key]])
    lines = [
        "| strategy | CPU ms/call (seq) | wall ms/call (seq) | wall s, 64 concurrent | CPU s, 64 concurrent "
        "| ratio vs D: CPU / seq wall / 64-conc wall |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for k in seq:
        cpu = med([c for _, c, _ in seq[k]]) / n
        wall = med([w for w, _, _ in seq[k]]) / n
        cw = med([w for w, _, _ in conc[k]])
        cc = med([c for _, c, _ in conc[k]])
        lines.append(
            f"| {k} | {cpu*1000:.2f} | {wall*1000:.2f} | {cw:.3f} | {cc:.3f} "
            f"| {cpu/d_cpu:.1f}x / {wall/d_wall:.1f}x / {cw/d_conc:.1f}x |"
        )
    return "\n".join(lines)


def fmt_spread(seq, conc, n) -> str:
    lines = [
        "| strategy | CPU ms/call seq, min-max | wall ms/call seq, min-max | wall s 64-conc, min-max "
        "| untimed heap settle after block, ms (median): seq / 64-conc |",
        "|---|---|---|---|---|",
    ]
    for k in seq:
        cs = [c / n * 1000 for _, c, _ in seq[k]]
        ws = [w / n * 1000 for w, _, _ in seq[k]]
        cw = [w for w, _, _ in conc[k]]
        ss = med([x for _, _, x in seq[k]]) * 1000
        sc = med([x for _, _, x in conc[k]]) * 1000
        lines.append(
            f"| {k} | {min(cs):.2f}-{max(cs):.2f} | {min(ws):.2f}-{max(ws):.2f} | {min(cw):.3f}-{max(cw):.3f} "
            f"| {ss:.1f} / {sc:.1f} |"
        )
    return "\n".join(lines)


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lib", default="httpx", choices=["httpx", "httpx2"],
                    help="module used as `httpx` for the strategy table (default httpx)")
    ap.add_argument("-n", type=int, default=300, help="sequential calls per repeat (default 300)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats, medians reported (default 5)")
    ap.add_argument("--construct-n", type=int, default=200, help="clients built per repeat (default 200)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed calls per strategy first (default 5)")
    ap.add_argument("--delay-ms", type=float, default=0.0,
                    help="server sleeps this long before each answer (default 0: loopback, no latency)")
    ap.add_argument("--server-in-process", action="store_true",
                    help="run the server in a thread of this process (CPU then includes the server)")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.serve:
        serve_child(args.delay_ms)
        return

    child = None
    if args.server_in_process:
        _srv, port = start_server_thread(args.delay_ms)
    else:
        child = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve", "--delay-ms", str(args.delay_ms)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        port = int(child.stdout.readline())
    base = f"http://127.0.0.1:{port}"

    try:
        hx = importlib.import_module(args.lib)
        libs = [m for m in ("httpx", "httpx2") if version(m) != "not installed"]
        mods = {m: importlib.import_module(m) for m in libs}

        out = []
        p = out.append
        cmd = " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)
        p(f"## Results ({args.lib})\n")
        p(f"Command: `{cmd}`\n")
        p(
            f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
            f"{ssl.OPENSSL_VERSION}; "
            + ", ".join(f"{d} {version(d)}" for d in
                        ("httpx", "httpx2", "httpcore", "httpcore2", "requests", "anyio", "h11", "certifi", "urllib3"))
        )
        env = {k: os.environ[k] for k in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
                                            "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
               if k in os.environ}
        p(f"\nEnvironment that changes what the clients load: {env or 'none set'}")
        p(f"\nServer: ThreadingHTTPServer, HTTP/1.1 keep-alive, {len(BODY)}-byte JSON body, "
          f"answers after {args.delay_ms:g} ms, "
          f"{'thread of this process' if args.server_in_process else 'thread of a child process'}. "
          f"Sequential: {args.n} calls x {args.repeats} repeats; concurrent: {CONCURRENCY} calls via "
          f"asyncio.gather x {args.repeats} repeats; medians. A inside gather still runs one call at a time "
          f"(it blocks the loop).\n")

        seq, conc = asyncio.run(run_benchmark(hx, base, args.n, args.repeats, args.warmup))
        d_key = next(k for k in seq if k.startswith("D "))
        p(fmt_table(seq, conc, args.n, d_key))
        p("\nSpread over the repeats (min-max):\n")
        p(fmt_spread(seq, conc, args.n))

        p(f"\n### Construction only, no request ({args.construct_n} kept alive per repeat, median of "
          f"{args.repeats}; CPU ms per object)\n")
        p("Second figure: the heap settle after dropping them, per object (the deferred cost of freeing).\n")
        p("| what | " + " | ".join(f"{m}: construct | {m}: settle after drop" for m in libs) + " |")
        p("|---|" + "---:|---:|" * len(libs))
        cons = {m: construction_cost(mods[m], args.construct_n, args.repeats) for m in libs}
        for k in cons[libs[0]]:
            p(f"| `{k}` | " + " | ".join(
                f"{med([b for b, _ in cons[m][k]]):.3f} | {med([x for _, x in cons[m][k]]):.3f}" for m in libs) + " |")

        p("\n### Semantics and the fork\n")
        p("| check | " + " | ".join(libs) + " |")
        p("|---|" + "---|" * len(libs))
        warn = {m: c_with_warnings(mods[m], base) for m in libs}
        sem = {m: semantics(mods[m], base) for m in libs}
        has = {m: f"{hasattr(mods[m], 'create_ssl_context')}" for m in libs}
        p("| `create_ssl_context` exists | " + " | ".join(has[m] for m in libs) + " |")
        p("| strategy C as written (`import M as httpx`) | " + " | ".join(warn[m] for m in libs) + " |")
        for k in sem[libs[0]]:
            p(f"| {k} | " + " | ".join(sem[m][k] for m in libs) + " |")

        print("\n".join(out))
    finally:
        if child is not None:
            child.stdin.close()
            child.wait(timeout=10)
            child.stdout.close()


if __name__ == "__main__":
    main()
