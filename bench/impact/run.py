#!/usr/bin/env python3
"""Impact benchmark: examples/shop-api under concurrent load, before and after
`perfopt fix --unsafe`, measured in the same run.

    python3 bench/impact/run.py --perfopt target/release/perfopt          # full run, ~10 min
    python3 bench/impact/run.py --perfopt target/release/perfopt --quick  # smoke test, ~1 min

Two copies of the example are served at once, each by uvicorn (one worker) on 127.0.0.1: the
original and the one `perfopt fix --unsafe` rewrote. MongoDB is replaced in process by
mongomock-motor (launch.py) and the payments, inventory, shipping, supplier and reviews services
by one loopback server that answers after a fixed delay (upstream.py). For each endpoint and
number of concurrent clients, the two apps are loaded one after the other, each with a warm-up
first. Full runs write results.md and results.json next to this script; --quick writes them
under target/impact/ and exits non-zero if the rewritten app does not answer.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXAMPLE = REPO / "examples" / "shop-api"
VENV = REPO / "target" / "impact-venv"
TOOLS = REPO / "target" / "tools"
QUICK_OUT = REPO / "target" / "impact"
REQUIREMENTS = HERE / "requirements.txt"
OHA_VERSION = "1.12.0"
REQUEST_TIMEOUT_S = 30
STARTUP_TIMEOUT_S = 60
PHASES = ("before", "after")

ORDER = {
    "customer_id": "cust-20931",
    "items": [{"sku": "SKU-0001", "quantity": 1}, {"sku": "SKU-0002", "quantity": 2}],
    "shipping_address": {
        "name": "Ada Meyer", "street": "Torstraße 12", "postal_code": "10119", "city": "Berlin", "country": "DE",
    },
    "card_token": "tok_4242",
}
PRICE_LIST = {
    "currency": "EUR",
    "valid_from": "2026-11-01",
    "items": [{"sku": f"SKU-{i:04d}", "price_cents": 1990 + i} for i in range(1, 201)],
}


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    codemods: str
    body: dict | None = None
    headers: dict = field(default_factory=dict)

    def header_list(self) -> list[str]:
        headers = dict(self.headers)
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        return [f"{name}: {value}" for name, value in headers.items()]


ENDPOINTS = [
    Endpoint("stock", "GET", "/products/SKU-0042/stock", "PO101, PO301"),
    Endpoint("checkout", "POST", "/orders", "PO101 ×2, PO102, PO302", body=ORDER),
    Endpoint(
        "availability", "GET",
        "/products/availability?" + "&".join(f"skus=SKU-{i:04d}" for i in range(1, 6)),
        "PO106 (5 SKUs), PO101, PO301",
    ),
    Endpoint("shipping-rates", "GET", "/products/SKU-0042/shipping-rates?country=DE", "PO108, PO301"),
    Endpoint("product", "GET", "/products/SKU-0042", "PO107, PO101, PO301"),
    Endpoint("catalogue", "GET", "/products", "PO304, PO205, PO301", headers={"Accept-Encoding": "gzip"}),
    Endpoint("prices", "GET", "/products/prices", "PO303, PO105, PO301"),
    Endpoint("shipped", "GET", "/orders/shipped", "PO201 (50 orders), PO301"),
]


def log(message: str) -> None:
    print(f"[impact] {message}", file=sys.stderr, flush=True)


def venv_python(python: str) -> Path:
    """target/impact-venv with requirements.txt installed; rebuilt when the pins change."""
    stamp = VENV / "requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    interpreter = VENV / "bin" / "python"
    if stamp.exists() and stamp.read_text() == wanted and interpreter.exists():
        return interpreter
    log(f"creating {VENV.relative_to(REPO)} from {REQUIREMENTS.relative_to(REPO)}")
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(interpreter), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
        check=True,
    )
    stamp.write_text(wanted)
    return interpreter


def oha_binary() -> str:
    """oha from PATH or target/tools; installed there with cargo when neither has it."""
    found = shutil.which("oha") or shutil.which("oha", path=str(TOOLS / "bin"))
    if found:
        return found
    log(f"installing oha {OHA_VERSION} into {TOOLS.relative_to(REPO)} (cargo install, a few minutes)")
    subprocess.run(
        ["cargo", "install", "oha", "--version", OHA_VERSION, "--locked", "--root", str(TOOLS)], check=True,
    )
    return str(TOOLS / "bin" / "oha")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def http_call(base: str, endpoint: Endpoint) -> int:
    """One request as the load generator sends it; returns the status (0: no answer)."""
    data = json.dumps(endpoint.body).encode() if endpoint.body is not None else None
    request = urllib.request.Request(base + endpoint.path, data=data, method=endpoint.method)
    for header in endpoint.header_list():
        name, value = header.split(": ", 1)
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


class Service:
    """A child process with its output in a log file; stopped by `stop()`."""

    def __init__(self, name: str, argv: list[str], cwd: Path, env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)

    def wait_ready(self, url: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if http_get(url, timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {url} within {STARTUP_TIMEOUT_S} s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the process so far (Linux /proc), None elsewhere."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 40) -> str:
        self.log_file.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def first_traceback(self) -> str | None:
        text = self.log_path.read_text(errors="replace")
        start = text.find("Traceback (most recent call last)")
        if start < 0:
            return None
        return "\n".join(text[start:].splitlines()[:60])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def prepare_apps(perfopt: str, python: Path, workdir: Path, ignore_codes: str | None = None) -> dict:
    """Copies the example twice, rewrites one with `perfopt fix --unsafe` (without the codemods
    in `ignore_codes`, if given), compiles both."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for phase in PHASES:
        shutil.copytree(EXAMPLE, workdir / phase, ignore=ignore)
    found = subprocess.run(
        [perfopt, "check", "--format", "json", str(workdir / "before")], capture_output=True, text=True,
    )
    selection = ["--ignore", ignore_codes] if ignore_codes else []
    fix = subprocess.run([perfopt, "fix", "--unsafe", *selection, str(workdir / "after")],
                         capture_output=True, text=True)
    if fix.returncode not in (0, 1):
        raise RuntimeError(f"perfopt fix --unsafe failed ({fix.returncode}):\n{fix.stdout}{fix.stderr}")
    left = subprocess.run(
        [perfopt, "check", "--format", "json", str(workdir / "after")], capture_output=True, text=True,
    )
    for phase in PHASES:
        subprocess.run([str(python), "-m", "compileall", "-q", str(workdir / phase / "app")], check=True)
    diff = subprocess.run(
        ["diff", "-ru", "-x", "__pycache__", "before/app", "after/app"], cwd=workdir, capture_output=True, text=True,
    )
    (workdir / "data").mkdir()
    (workdir / "data" / "price_list.json").write_text(json.dumps(PRICE_LIST))
    version = subprocess.run([perfopt, "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "perfopt": version,
        "fix_output": (fix.stdout + fix.stderr).strip(),
        "findings_before": count_codes(found.stdout),
        "findings_after": count_codes(left.stdout),
        "diff_lines": len(diff.stdout.splitlines()),
        "diff": diff.stdout,
    }


def count_codes(check_json: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in json.loads(check_json or "[]"):
        counts[finding["code"]] = counts.get(finding["code"], 0) + 1
    return dict(sorted(counts.items()))


def load_command(loadgen: str, tool: str, python: Path, url: str, endpoint: Endpoint, clients: int,
                 seconds: float) -> list[str]:
    if loadgen == "oha":
        argv = [tool, "--no-tui", "--output-format", "json", "-z", f"{seconds}s", "-c", str(clients),
                "-w", "-t", f"{REQUEST_TIMEOUT_S}s", "-m", endpoint.method]
        header_flag = "-H"
    else:
        argv = [str(python), str(HERE / "loadgen.py"), "--duration", str(seconds), "--concurrency", str(clients),
                "--method", endpoint.method]
        header_flag = "--header"
    for header in endpoint.header_list():
        argv += [header_flag, header]
    if endpoint.body is not None:
        argv += ["-d" if loadgen == "oha" else "--body", json.dumps(endpoint.body)]
    return argv + ([url] if loadgen == "oha" else ["--url", url])


def normalise_oha(report: dict) -> dict:
    summary = report["summary"]
    statuses = {str(code): count for code, count in report.get("statusCodeDistribution", {}).items()}
    transport_errors = report.get("errorDistribution", {})
    answered = sum(statuses.values())
    percentiles = report.get("latencyPercentiles", {})

    def ms(value):
        return value * 1000 if value is not None else None

    return {
        "requests": answered + sum(transport_errors.values()),
        "status_codes": statuses,
        "transport_errors": transport_errors,
        "elapsed_s": summary["total"],
        "rps": answered / summary["total"] if summary["total"] else 0.0,
        "p50_ms": ms(percentiles.get("p50")),
        "p99_ms": ms(percentiles.get("p99")),
    }


def run_load(argv: list[str], loadgen: str) -> dict:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}): {' '.join(argv)}\n{done.stderr}")
    report = json.loads(done.stdout)
    result = normalise_oha(report) if loadgen == "oha" else report
    ok = sum(count for code, count in result["status_codes"].items() if code.startswith("2"))
    result["ok_rps"] = ok / result["elapsed_s"] if result["elapsed_s"] else 0.0
    result["error_rate"] = (result["requests"] - ok) / result["requests"] if result["requests"] else None
    return result


def upstream_stats(base: str, reset: bool = False) -> dict:
    request = urllib.request.Request(base + "/_stats", method="POST" if reset else "GET")
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.loads(resp.read())


def measure(args, python: Path, tool: str, workdir: Path) -> tuple[list[dict], dict]:
    """Starts the upstream and both apps, loads every (endpoint, clients) cell, stops them."""
    logs = workdir / "logs"
    logs.mkdir()
    upstream_port = free_port()
    upstream_base = f"http://127.0.0.1:{upstream_port}"
    env = dict(os.environ)
    env.update({
        "SHOP_PAYMENTS_URL": f"{upstream_base}/payments",
        "SHOP_INVENTORY_URL": f"{upstream_base}/inventory",
        "SHOP_SHIPPING_URL": f"{upstream_base}/shipping",
        "SHOP_SUPPLIER_URL": f"{upstream_base}/supplier",
        "SHOP_REVIEWS_URL": f"{upstream_base}/reviews",
        # httpx refuses a header value ending in a space ("Bearer " with an empty key); requests sends it.
        "SHOP_PAYMENTS_API_KEY": "sk_bench",
        "SHOP_PRICE_LIST_PATH": str(workdir / "data" / "price_list.json"),
        "SHOP_EXPORT_DIR": str(workdir / "exports"),
        "SHOP_BACKUP_DIR": str(workdir / "backups"),
    })
    services: list[Service] = []
    try:
        upstream = Service(
            "upstream",
            [str(python), str(HERE / "upstream.py"), "--port", str(upstream_port), "--delay-ms", str(args.delay_ms),
             "--fail-every", str(args.fail_every)],
            workdir, env, logs,
        )
        services.append(upstream)
        upstream.wait_ready(upstream_base + "/_stats")
        apps = {}
        for phase in PHASES:
            port = free_port()
            app = Service(
                phase,
                [str(python), str(HERE / "launch.py"), "--app-dir", str(workdir / phase), "--port", str(port),
                 "--db-delay-ms", str(args.db_delay_ms)],
                workdir / phase, env, logs,
            )
            services.append(app)
            apps[phase] = (app, f"http://127.0.0.1:{port}")
        for app, base in apps.values():
            app.wait_ready(base + "/healthz")

        first_answers = {
            endpoint.name: {phase: http_call(base, endpoint) for phase, (_, base) in apps.items()}
            for endpoint in args.endpoints
        }
        log(f"first answers: {first_answers}")

        cells = []
        for endpoint in args.endpoints:
            for clients in args.clients:
                for phase in PHASES:
                    app, base = apps[phase]
                    url = base + endpoint.path
                    run_load(load_command(args.loadgen, tool, python, url, endpoint, clients, args.warmup), args.loadgen)
                    upstream_stats(upstream_base, reset=True)
                    cpu_start = app.cpu_seconds()
                    result = run_load(
                        load_command(args.loadgen, tool, python, url, endpoint, clients, args.duration), args.loadgen,
                    )
                    cpu_end = app.cpu_seconds()
                    answered = sum(result["status_codes"].values())
                    result.update({
                        "endpoint": endpoint.name,
                        "clients": clients,
                        "phase": phase,
                        "app_cpu_ms_per_request": (cpu_end - cpu_start) * 1000 / answered
                        if answered and cpu_start is not None else None,
                        "upstream": upstream_stats(upstream_base),
                    })
                    cells.append(result)
                    log(
                        f"{endpoint.name:15} c={clients:<3} {phase:6} {result['ok_rps']:8.1f} ok/s  "
                        f"p50 {fmt_ms(result['p50_ms']):>8}  p99 {fmt_ms(result['p99_ms']):>8}  "
                        f"errors {fmt_rate(result['error_rate'])}"
                    )
        app_errors = {
            phase: {"tracebacks": app.log_path.read_text(errors="replace").count("Traceback"),
                    "first_traceback": app.first_traceback()}
            for phase, (app, _) in apps.items()
        }
        return cells, {"first_answers": first_answers, "app_errors": app_errors}
    finally:
        for service in reversed(services):
            service.stop()


def fmt_ms(value) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def fmt_rate(value) -> str:
    if value is None:
        return "–"
    return "0" if value == 0 else f"{value:.1%}"


def fmt_ratio(before, after) -> str:
    if not before or not after:
        return "–"
    return f"{after / before:.1f}×" if after / before < 10 else f"{after / before:.0f}×"


def applied(codemods: str, meta: dict) -> str:
    """The endpoint's codemods, without those the run left out (`--ignore`)."""
    ignored = set((meta.get("ignore") or "").split(","))
    return ", ".join(c for c in codemods.split(", ") if c.split()[0] not in ignored)


def markdown(meta: dict, cells: list[dict]) -> str:
    by_key = {(c["endpoint"], c["clients"], c["phase"]): c for c in cells}
    endpoints = {e.name: e for e in ENDPOINTS}
    lines = [
        "# Impact benchmark: shop-api before and after `perfopt fix --unsafe"
        + (f" --ignore {meta['ignore']}" if meta.get("ignore") else "") + "`",
        "",
        f"Run of {meta['date']} on {meta['machine']}; {meta['perfopt']}; load generator {meta['loadgen']}; "
        f"upstream delay {meta['delay_ms']:g} ms; "
        + (f"MongoDB command delay {meta['db_delay_ms']:g} ms; " if meta.get("db_delay_ms") else "")
        + f"{meta['duration_s']:g} s per cell after a {meta['warmup_s']:g} s "
        f"warm-up; both apps served at once, loaded one after the other. How to reproduce and caveats: "
        "[README.md](README.md).",
        "",
        "req/s counts 2xx answers only; P50/P99 are over all answers; errors are non-2xx answers and "
        "requests that got none. ×: after/before of req/s.",
        "",
        "| Endpoint | Codemods | Clients | P50 ms before → after | P99 ms before → after "
        "| req/s before → after | × | errors before → after | app CPU ms/req before → after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in dict.fromkeys(c["endpoint"] for c in cells):
        endpoint = endpoints[name]
        for clients in dict.fromkeys(c["clients"] for c in cells if c["endpoint"] == name):
            before, after = by_key[(name, clients, "before")], by_key[(name, clients, "after")]
            lines.append(
                f"| `{endpoint.method} {endpoint.path.split('?')[0]}` | {applied(endpoint.codemods, meta)} | {clients} "
                f"| {fmt_ms(before['p50_ms'])} → {fmt_ms(after['p50_ms'])} "
                f"| {fmt_ms(before['p99_ms'])} → {fmt_ms(after['p99_ms'])} "
                f"| {before['ok_rps']:.1f} → {after['ok_rps']:.1f} | {fmt_ratio(before['ok_rps'], after['ok_rps'])} "
                f"| {fmt_rate(before['error_rate'])} → {fmt_rate(after['error_rate'])} "
                f"| {fmt_ms(before['app_cpu_ms_per_request'])} → {fmt_ms(after['app_cpu_ms_per_request'])} |"
            )
    fix = meta["fix"]
    lines += [
        "",
        f"perfopt found {sum(fix['findings_before'].values())} findings in the original "
        f"({', '.join(f'{code} ×{n}' for code, n in fix['findings_before'].items())}); "
        f"`perfopt fix --unsafe`: \"{fix['fix_output'].splitlines()[0] if fix['fix_output'] else ''}\"; "
        f"left after the fix: {', '.join(f'{code} ×{n}' for code, n in fix['findings_after'].items()) or 'none'}.",
    ]
    checkout_503s = sum(c["upstream"].get("retryable_503s", 0) for c in cells if c["endpoint"] == "checkout")
    if checkout_503s:
        lines.append(
            f"During the checkout cells the payments stand-in answered {checkout_503s} first attempts with 503 "
            f"(one charge in {meta['fail_every']}), so the app took its retry-with-backoff path (PO102) that often."
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--perfopt", required=True, help="perfopt binary")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: the stock endpoint, 1 client, 2 s, Python load generator; output in target/impact/")
    parser.add_argument("--loadgen", choices=("oha", "python"), help="default: oha, python with --quick")
    parser.add_argument("--duration", type=float, help="seconds per cell (default 6, 2 with --quick)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each cell (default 1, 0.5 with --quick)")
    parser.add_argument("--clients", help="comma-separated concurrency levels (default 1,16,64)")
    parser.add_argument("--endpoints", help=f"comma-separated subset of: {', '.join(e.name for e in ENDPOINTS)}")
    parser.add_argument("--delay-ms", type=float, default=50, help="upstream answer delay (default 50)")
    parser.add_argument("--db-delay-ms", type=float, default=0,
                        help="delay before each MongoDB command, a database round trip (default 0)")
    parser.add_argument("--fail-every", type=int, default=10,
                        help="payments answers 503 to the first attempt of every Nth charge (default 10)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the venv (default: this one)")
    parser.add_argument("--out", type=Path, help="output directory (default: bench/impact, target/impact with --quick)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (apps, diff, logs)")
    parser.add_argument("--ignore", help="codes the rewrite leaves out (e.g. PO301,PO205: the I/O fixes alone)")
    args = parser.parse_args()

    args.loadgen = args.loadgen or ("python" if args.quick else "oha")
    args.duration = args.duration or (2.0 if args.quick else 6.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 1.0)
    args.clients = [int(c) for c in args.clients.split(",")] if args.clients else ([1] if args.quick else [1, 16, 64])
    names = args.endpoints.split(",") if args.endpoints else (["stock"] if args.quick else [e.name for e in ENDPOINTS])
    unknown = set(names) - {e.name for e in ENDPOINTS}
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(sorted(unknown))}")
    args.endpoints = [e for e in ENDPOINTS if e.name in names]
    out = args.out or (QUICK_OUT if args.quick else HERE)
    perfopt = shutil.which(args.perfopt)
    if perfopt is None:
        parser.error(f"no perfopt binary at {args.perfopt} (build it with `cargo build --release`)")
    perfopt = str(Path(perfopt).resolve())

    started = time.monotonic()
    python = venv_python(args.python)
    tool = oha_binary() if args.loadgen == "oha" else ""
    loadgen_version = (
        subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip()
        if tool else "loadgen.py (Python, httpx)"
    )
    workdir = Path(tempfile.mkdtemp(prefix="perfopt-impact-"))
    try:
        fix = prepare_apps(perfopt, python, workdir, args.ignore)
        log(f"{fix['fix_output']}; diff of {fix['diff_lines']} lines")
        cells, checks = measure(args, python, tool, workdir)
    finally:
        if args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "perfopt": fix["perfopt"],
        "loadgen": loadgen_version,
        "delay_ms": args.delay_ms,
        "db_delay_ms": args.db_delay_ms,
        "fail_every": args.fail_every,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "clients": args.clients,
        "ignore": args.ignore,
        "wall_s": round(time.monotonic() - started, 1),
        "fix": {key: value for key, value in fix.items() if key != "diff"},
        "requirements": [line for line in REQUIREMENTS.read_text().splitlines() if line and not line.startswith("#")],
    }
    out.mkdir(parents=True, exist_ok=True)
    report = markdown(meta, cells)
    (out / "results.md").write_text(report)
    (out / "results.json").write_text(json.dumps({"meta": meta, "checks": checks, "cells": cells, "diff": fix["diff"]},
                                                 indent=1, ensure_ascii=False) + "\n")
    print(report)
    log(f"wrote {out / 'results.md'} and results.json in {meta['wall_s']:.0f} s")
    if checks["app_errors"]["after"]["first_traceback"]:
        log("the rewritten app logged tracebacks; the first:\n" + checks["app_errors"]["after"]["first_traceback"])

    after = [c for c in cells if c["phase"] == "after"]
    if args.quick and (not after or any(c["error_rate"] or not c["ok_rps"] for c in after)):
        log("quick run: the rewritten app did not answer every request with 2xx")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
