#!/usr/bin/env python3
"""Time ruff's ASYNC rules and `perfopt check` on one corpus; report in Markdown.

Called by bench/check_throughput.sh, which prepares the tools and the corpus.
Wall times come from hyperfine when it is on PATH, otherwise from a Python
loop that interleaves the two tools. Peak RSS comes from separate runs under
GNU time (`/usr/bin/time -f %M`). Everything is reported as medians: the
machines this runs on are small (2 cores) and noisy, and a mean is dragged
around by the odd slow run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus as corpus_mod

GNU_TIME = "/usr/bin/time"


@dataclass
class Tool:
    label: str
    argv: list[str]
    ok_codes: set[int]
    version: str = "unknown"
    times: list[float] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """The command line as printed in the report: tool name, not full path."""
        return shlex.join([Path(self.argv[0]).name, *self.argv[1:]])


def log(msg: str) -> None:
    print(f"[measure] {msg}", file=sys.stderr, flush=True)


def version_of(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True,
                             timeout=30, check=False)
    except OSError:
        return "unknown"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if out.returncode == 0 and text else "unknown"


def sanity_run(tool: Tool) -> int:
    """Run once, untimed, so a broken binary fails fast with its stderr shown."""
    proc = subprocess.run(tool.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    if proc.returncode not in tool.ok_codes:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-15:]
        sys.exit(f"{tool.shown} exited {proc.returncode} "
                 f"(accepted: {sorted(tool.ok_codes)}); stderr tail:\n" + "\n".join(tail))
    return proc.returncode


def time_with_hyperfine(tools: list[Tool], runs: int, warmup: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp, "hyperfine.json")
        cmd = ["hyperfine",
               "--shell=none",  # no shell start-up in the numbers
               "--ignore-failure",  # perfopt exits 1 on findings; codes checked below
               "--warmup", str(warmup), "--runs", str(runs),
               "--export-json", str(export)]
        cmd += [shlex.join(t.argv) for t in tools]
        # hyperfine's progress and summary go to stderr; stdout is the table.
        subprocess.run(cmd, check=True, stdout=sys.stderr)
        results = json.loads(export.read_text())["results"]
    for tool, res in zip(tools, results):
        tool.times = list(res["times"])
        tool.exit_codes = list(res.get("exit_codes") or [])
    return subprocess.run(["hyperfine", "--version"], capture_output=True,
                          text=True, check=False).stdout.strip()


def time_with_loop(tools: list[Tool], runs: int, warmup: int) -> str:
    # Interleave the tools so slow drift in machine load hits both alike.
    for i in range(warmup + runs):
        for tool in tools:
            start = time.perf_counter()
            proc = subprocess.run(tool.argv, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, check=False)
            elapsed = time.perf_counter() - start
            if i >= warmup:
                tool.times.append(elapsed)
                tool.exit_codes.append(proc.returncode)
        log(f"round {i + 1}/{warmup + runs} done" + (" (warm-up)" if i < warmup else ""))
    return "Python loop (hyperfine not found)"


def gnu_time_works() -> bool:
    # Peak RSS needs GNU time: measuring a child from this Python process with
    # wait4() would report at least Python's own RSS, since Linux carries the
    # parent's high-water mark over fork/vfork + exec.
    if not os.access(GNU_TIME, os.X_OK):
        return False
    probe = subprocess.run([GNU_TIME, "-f", "%M", sys.executable, "-c", ""],
                           capture_output=True, text=True, check=False)
    last = probe.stderr.strip().splitlines()[-1:]
    return probe.returncode == 0 and bool(last) and last[0].isdigit()


def measure_rss(tool: Tool, repeats: int) -> None:
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as out:
        for _ in range(repeats):
            subprocess.run([GNU_TIME, "-f", "%M", "-o", out.name, *tool.argv],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            out.seek(0)
            # GNU time prepends "Command exited with non-zero status N" when
            # the command fails, so take the last line.
            tool.rss_kb.append(int(out.read().strip().splitlines()[-1]))


def ruff_file_count(ruff: Tool) -> int:
    out = subprocess.run([*ruff.argv, "--show-files"], capture_output=True, text=True,
                         check=False)
    return sum(1 for line in out.stdout.splitlines() if line.strip().endswith(".py"))


def fmt_secs(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.3f} s"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def render(args, stats, tools: list[Tool], timer: str, rss_ok: bool, load: tuple) -> str:
    mb = stats["bytes"] / 1e6
    ruff, perfopt = tools
    ratio = statistics.median(perfopt.times) / statistics.median(ruff.times)
    pins = corpus_mod.PINS[args.mode]
    rss_note = (f"median of {args.rss_runs} extra runs per tool under GNU time (max RSS)"
                if rss_ok else "not measured (GNU time `/usr/bin/time` missing)")
    lines = [
        f"## perfopt check throughput ({args.mode} corpus)",
        "",
        (f"- When: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; machine: "
         f"{os.cpu_count()} cores, {cpu_model()}; load average at start "
         f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)"),
        (f"- Corpus: `{args.corpus}`: {stats['files']:,} `.py` files, "
         f"{stats['lines']:,} lines, {mb:.1f} MB, from {len(pins)} wheels: "
         + ", ".join(f"`{p}`" for p in pins)),
        f"- Versions: {ruff.version}; perfopt: {perfopt.version}",
        (f"- Timing: {timer}; {args.warmup} warm-up + {args.runs} timed runs per tool, "
         "output to /dev/null. **Wall times are medians**: this is a small, noisy "
         "machine and means are skewed by outliers; min-max shows the spread."),
        f"- Peak RSS: {rss_note}.",
        "- Throughput = corpus size / median wall time. MB = 10^6 bytes, MiB = 2^20.",
        "",
        ("| tool | command | median wall | min-max | files/s | MB/s | lines/s "
         "| peak RSS (MiB) | wall vs ruff |"),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = statistics.median(ruff.times)
    for t in tools:
        med = statistics.median(t.times)
        rss = f"{statistics.median(t.rss_kb) / 1024:.1f}" if t.rss_kb else "n/a"
        lines.append(
            f"| {t.label} | `{t.shown.replace(str(args.corpus), 'CORPUS')}` "
            f"| {fmt_secs(med)} | {fmt_secs(min(t.times))} - {fmt_secs(max(t.times))} "
            f"| {stats['files'] / med:,.0f} | {mb / med:,.1f} | {stats['lines'] / med:,.0f} "
            f"| {rss} | {med / base:.2f}x |")
    lines += [
        "",
        (f"perfopt/ruff median wall-time ratio: **{ratio:.2f}** "
         f"({'perfopt is slower' if ratio > 1 else 'perfopt is faster or equal'})."),
    ]
    codes = sorted(set(perfopt.exit_codes))
    lines += ["", (f"perfopt exit codes seen: {codes} "
                   "(0 = clean, 1 = findings, 2 = some file could not be read).")]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--mode", choices=sorted(corpus_mod.PINS), required=True)
    ap.add_argument("--ruff", required=True)
    ap.add_argument("--perfopt", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rss-runs", type=int, default=3)
    ap.add_argument("--out-md", type=Path, required=True)
    ap.add_argument("--out-json", type=Path, required=True)
    args = ap.parse_args()

    load = os.getloadavg()
    stats = corpus_mod.stats(args.corpus)
    if stats["files"] == 0:
        sys.exit(f"no .py files under {args.corpus}")
    log(f"corpus: {stats['files']:,} files, {stats['lines']:,} lines, "
        f"{stats['bytes'] / 1e6:.1f} MB")

    corpus = str(args.corpus)
    tools = [
        # --isolated: ignore any pyproject.toml/ruff.toml above the corpus and
        # the user's config, so the rule set is exactly ASYNC.
        Tool("ruff (ASYNC)", [args.ruff, "check", "--isolated", "--select", "ASYNC",
                              "--no-cache", "--exit-zero", corpus], {0}),
        Tool("perfopt", [args.perfopt, "check", "--no-cache", corpus], {0, 1, 2}),
    ]
    for tool in tools:
        tool.version = version_of(tool.argv[0])
        code = sanity_run(tool)
        log(f"{tool.label}: sanity run ok (exit {code})")

    seen = ruff_file_count(tools[0])
    if seen != stats["files"]:
        log(f"WARNING: ruff checked {seen} files but the corpus has {stats['files']}; "
            "throughput numbers assume the whole corpus")

    if shutil.which("hyperfine"):
        timer = time_with_hyperfine(tools, args.runs, args.warmup)
    else:
        log("hyperfine not found; timing with a Python loop")
        timer = time_with_loop(tools, args.runs, args.warmup)
    for tool in tools:
        bad = sorted(set(tool.exit_codes) - tool.ok_codes)
        if bad:
            sys.exit(f"{tool.shown} exited with {bad} during timing")

    rss_ok = gnu_time_works()
    if rss_ok:
        for tool in tools:
            measure_rss(tool, args.rss_runs)
    else:
        log("GNU time not found at /usr/bin/time; peak RSS not measured")

    report = render(args, stats, tools, timer, rss_ok, load)
    args.out_md.write_text(report)
    args.out_json.write_text(json.dumps({
        "mode": args.mode, "corpus": corpus, "stats": stats, "timer": timer,
        "runs": args.runs, "warmup": args.warmup, "loadavg_start": load,
        "tools": [{"label": t.label, "argv": t.argv, "version": t.version,
                   "times_s": t.times, "exit_codes": t.exit_codes,
                   "peak_rss_kb": t.rss_kb} for t in tools],
    }, indent=2) + "\n")
    print(report, end="")


if __name__ == "__main__":
    main()
