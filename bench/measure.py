#!/usr/bin/env python3
"""Time ruff's ASYNC rules and `perfopt check` on one corpus; report in Markdown.

Called by bench/check_throughput.sh, which prepares the tools and the corpus.
Wall times come from hyperfine when it is on PATH, otherwise from a Python
loop that interleaves the tools. Peak RSS comes from separate runs under
GNU time (`/usr/bin/time -f %M`). Everything is reported as medians: the
machines this runs on are small (2 cores) and noisy, and a mean is dragged
around by the odd slow run.

Besides Ruff and a cold `perfopt check`, the same session times perfopt with
its cache warm, `perfopt fix --dry-run`, and `perfopt check` parsing every file
whole (PERFOPT_PARSE_ALL=1); checks that parsing less loses no finding; and,
when valgrind is given, counts instructions (cachegrind) for Ruff and perfopt,
a figure that machine load hardly moves.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
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
    key: str  # stable name for the JSON output and for looking rows up
    label: str
    argv: list[str]
    ok_codes: set[int]
    version: str = "unknown"
    cwd: str | None = None  # None: the repository root (measure.py's cwd)
    env: dict[str, str] = field(default_factory=dict)  # added to the environment
    times: list[float] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """The command line as printed in the report: tool name, not full path."""
        cmd = shlex.join([Path(self.argv[0]).name, *self.argv[1:]])
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        cmd = f"{env} {cmd}" if env else cmd
        return f"cd $(mktemp -d) && {cmd}" if self.cwd else cmd

    def run_env(self) -> dict[str, str] | None:
        return {**os.environ, **self.env} if self.env else None

    def run(self, argv: list[str] | None = None, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(argv or self.argv, cwd=self.cwd, env=self.run_env(),
                              check=False, **kw)


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
    proc = tool.run(stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode not in tool.ok_codes:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-15:]
        sys.exit(f"{tool.shown} exited {proc.returncode} "
                 f"(accepted: {sorted(tool.ok_codes)}); stderr tail:\n" + "\n".join(tail))
    return proc.returncode


def time_with_hyperfine(tools: list[Tool], runs: int, warmup: int) -> str:
    # With --shell=none hyperfine cannot give one command its own directory
    # or environment, so tools that need them get a hyperfine call of their
    # own (one call runs its commands one after another anyway).
    groups: dict[tuple, list[Tool]] = {}
    for tool in tools:
        groups.setdefault((tool.cwd, tuple(sorted(tool.env.items()))), []).append(tool)
    for group in groups.values():
        with tempfile.TemporaryDirectory() as tmp:
            export = Path(tmp, "hyperfine.json")
            cmd = ["hyperfine",
                   "--shell=none",  # no shell start-up in the numbers
                   "--ignore-failure",  # perfopt exits 1 on findings; codes checked below
                   "--warmup", str(warmup), "--runs", str(runs),
                   "--export-json", str(export)]
            cmd += [shlex.join(t.argv) for t in group]
            # hyperfine's progress and summary go to stderr; stdout is the table.
            subprocess.run(cmd, check=True, stdout=sys.stderr, cwd=group[0].cwd,
                           env=group[0].run_env())
            results = json.loads(export.read_text())["results"]
        for tool, res in zip(group, results):
            tool.times = list(res["times"])
            tool.exit_codes = list(res.get("exit_codes") or [])
    return subprocess.run(["hyperfine", "--version"], capture_output=True,
                          text=True, check=False).stdout.strip()


def time_with_loop(tools: list[Tool], runs: int, warmup: int) -> str:
    # Interleave the tools so slow drift in machine load hits both alike.
    for i in range(warmup + runs):
        for tool in tools:
            start = time.perf_counter()
            proc = tool.run(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
            tool.run([GNU_TIME, "-f", "%M", "-o", out.name, *tool.argv],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.seek(0)
            # GNU time prepends "Command exited with non-zero status N" when
            # the command fails, so take the last line.
            tool.rss_kb.append(int(out.read().strip().splitlines()[-1]))


def ruff_file_count(ruff: Tool) -> int:
    out = subprocess.run([*ruff.argv, "--show-files"], capture_output=True, text=True,
                         check=False)
    return sum(1 for line in out.stdout.splitlines() if line.strip().endswith(".py"))


def findings(tool: Tool, corpus: str) -> tuple[set[tuple], int] | str:
    """The (file, row, column, code, digest of the rest: message, note, fix edits) set
    of `--format json` output plus the number of findings, or why it could not be had."""
    proc = tool.run(capture_output=True)
    if proc.returncode not in tool.ok_codes:
        return f"exit {proc.returncode}"
    try:
        items = json.loads(proc.stdout)
        def rest(d: dict) -> str:
            item = {k: v for k, v in d.items() if k != "filename"}
            return hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()[:16]
        keys = [(str(Path(d["filename"]).relative_to(corpus))
                 if Path(d["filename"]).is_relative_to(corpus) else d["filename"],
                 d["location"]["row"], d["location"]["column"], d["code"], rest(d))
                for d in items]
    except (ValueError, KeyError, TypeError) as err:
        return f"unreadable JSON output ({type(err).__name__}: {err})"
    return set(keys), len(keys)


def compare_findings(gated: Tool, parse_all: Tool, corpus: str) -> dict:
    """Run both with `--format json` and compare what they find."""
    res = {"gated_cmd": gated.shown, "parse_all_cmd": parse_all.shown}
    a, b = findings(gated, corpus), findings(parse_all, corpus)
    for name, got in (("gated", a), ("parse_all", b)):
        if isinstance(got, str):
            res["error"] = f"{name} run: {got}"
            log(f"findings comparison skipped: {res['error']}")
            return res
    (sa, na), (sb, nb) = a, b
    res.update(gated_count=na, parse_all_count=nb, gated_unique=len(sa),
               parse_all_unique=len(sb), identical=sa == sb,
               only_gated=sorted(sa - sb), only_parse_all=sorted(sb - sa))
    if sa != sb:
        log(f"WARNING: findings differ with PERFOPT_PARSE_ALL=1: "
            f"{len(sb - sa)} only when parsing everything, {len(sa - sb)} only with the gates")
    return res


I_REFS = re.compile(r"^==\d+==\s+I\s+refs:\s+([\d,]+)", re.MULTILINE)


def count_instructions(valgrind: str, tool: Tool) -> dict:
    """Total instructions executed (cachegrind's `I refs`, all threads)."""
    argv = [valgrind, "--tool=cachegrind", "--cache-sim=no",
            "--cachegrind-out-file=/dev/null", *tool.argv]
    log(f"cachegrind: {tool.label} (valgrind runs ~10-50x slower, one thread at a time)")
    start = time.perf_counter()
    proc = tool.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    err = proc.stderr.decode(errors="replace")
    m = I_REFS.search(err)
    if proc.returncode not in tool.ok_codes or not m:
        tail = "\n".join(err.strip().splitlines()[-10:])
        log(f"cachegrind failed for {tool.label} (exit {proc.returncode}):\n{tail}")
        return {"label": tool.label, "error": f"exit {proc.returncode}, no I refs",
                "seconds": elapsed}
    return {"label": tool.label, "argv": argv, "instructions": int(m.group(1).replace(",", "")),
            "seconds": elapsed}


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


def ratio_line(what: str, num: float | None, den: float | None, note: str = "") -> str:
    if not num or not den:
        return f"- {what}: n/a"
    return f"- {what}: **{num / den:.2f}**" + (f" ({note})" if note else "")


def med(tool: Tool) -> float | None:
    return statistics.median(tool.times) if tool.times else None


def med_rss(tool: Tool) -> float | None:
    return statistics.median(tool.rss_kb) if tool.rss_kb else None


def render(args, stats, tools: dict[str, Tool], timer: str, rss_ok: bool, load: tuple,
           same: dict, instr: list[dict] | None, valgrind_note: str) -> str:
    mb = stats["bytes"] / 1e6
    ruff, cold = tools["ruff"], tools["perfopt"]
    warm, fix, parse_all = tools["warm"], tools["fix_dry_run"], tools["parse_all"]
    ratio = med(cold) / med(ruff)
    pins = corpus_mod.PINS[args.mode]
    rss_note = (f"median of {args.rss_runs} extra runs per row under GNU time (max RSS)"
                if rss_ok and args.rss_runs else
                "not measured (`--rss-runs 0`)" if rss_ok else
                "not measured (GNU time `/usr/bin/time` missing)")
    lines = [
        f"## perfopt check throughput ({args.mode} corpus)",
        "",
        (f"- When: {args.started:%Y-%m-%d %H:%M UTC} (start); machine: "
         f"{os.cpu_count()} cores, {cpu_model()}; load average at start "
         f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)"),
        (f"- Corpus: `{args.corpus}`: {stats['files']:,} `.py` files, "
         f"{stats['lines']:,} lines, {mb:.1f} MB, from {len(pins)} wheels: "
         + ", ".join(f"`{p}`" for p in pins)),
        f"- Versions: {ruff.version}; perfopt: {cold.version}",
        (f"- Timing: {timer}; {args.warmup} warm-up + {args.runs} timed runs per row, "
         "output to /dev/null. **Wall times are medians**: this is a small, noisy "
         "machine and means are skewed by outliers; min-max shows the spread."),
        f"- Peak RSS: {rss_note}.",
        "- Throughput = corpus size / median wall time. MB = 10^6 bytes, MiB = 2^20.",
        ("- Rows: `perfopt` is the cold check (cache off); `warm (cache)` runs in a fresh "
         "temporary directory, where the cache lands, after one untimed priming run; "
         "`PERFOPT_PARSE_ALL=1` turns off the text gates and partial parsing that let "
         "perfopt skip parsing files, and parts of files, that cannot match."),
        "",
        ("| tool | command | median wall | min-max | files/s | MB/s | lines/s "
         "| peak RSS (MiB) | wall vs ruff |"),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = med(ruff)
    shown_corpus = str(Path(args.corpus).resolve())
    for t in tools.values():
        m = med(t)
        rss = f"{med_rss(t) / 1024:.1f}" if t.rss_kb else "n/a"
        lines.append(
            f"| {t.label} | `{t.shown.replace(shown_corpus, 'CORPUS')}` "
            f"| {fmt_secs(m)} | {fmt_secs(min(t.times))} - {fmt_secs(max(t.times))} "
            f"| {stats['files'] / m:,.0f} | {mb / m:,.1f} | {stats['lines'] / m:,.0f} "
            f"| {rss} | {m / base:.2f}x |")

    rss_ratio = (med_rss(cold) / med_rss(ruff)) if cold.rss_kb and ruff.rss_kb else None
    lines += [
        "",
        "### Ratios (medians)",
        "",
        (f"- perfopt / ruff wall time: **{ratio:.2f}** "
         f"({'perfopt is slower' if ratio > 1 else 'perfopt is faster or equal'})"),
        ratio_line("perfopt warm / cold wall time", med(warm), med(cold),
                   "re-run with the cache on vs `--no-cache`"),
        ratio_line("perfopt fix --dry-run / check wall time", med(fix), med(cold),
                   "both `--no-cache`"),
        ratio_line("perfopt parse-all / gated wall time", med(parse_all), med(cold),
                   "what the gates and partial parsing save: parsing every file whole vs not"),
        ratio_line("peak RSS perfopt / ruff", med_rss(cold), med_rss(ruff),
                   ("target ≤ 2x: " + ("met" if rss_ratio <= 2 else "**not met**"))
                   if rss_ratio else ""),
    ]

    lines += ["", "### Same findings as parsing everything", ""]
    if "error" in same:
        lines.append(f"n/a: {same['error']}.")
    else:
        lines += [
            (f"`{same['gated_cmd'].replace(shown_corpus, 'CORPUS')}` found "
             f"{same['gated_count']:,} findings; with `PERFOPT_PARSE_ALL=1` "
             f"{same['parse_all_count']:,}. Compared as sets of (file, row, column, code, and "
             f"the rest of the JSON item: message, note, fix edits) "
             f"({same['gated_unique']:,} vs {same['parse_all_unique']:,} distinct)."),
            "",
            f"identical: **{'yes' if same['identical'] else 'no'}**",
        ]
        for key, title in (("only_parse_all", "only with PERFOPT_PARSE_ALL=1 (parsing less lost them)"),
                           ("only_gated", "only with the gates (parse-all lost them)")):
            diff = same[key]
            if diff:
                lines += ["", f"{len(diff)} {title}:", ""]
                lines += [f"- `{f}:{r}:{c}` {code}" for f, r, c, code, _ in diff[:50]]
                if len(diff) > 50:
                    lines.append(f"- ... and {len(diff) - 50} more (all in the JSON output)")

    lines += ["", "### Instruction counts (cachegrind)", ""]
    if instr is None:
        lines.append(f"n/a: {valgrind_note}.")
    else:
        lines += [
            (f"`valgrind --tool=cachegrind --cache-sim=no` ({valgrind_note}), one run "
             "per tool; `I refs` is every instruction executed, summed over all "
             "threads. Valgrind runs threads one at a time, so this is total CPU work, "
             "not wall time: Ruff's parallelism does not show here (its thread "
             "start-up and work-stealing do). Counts move by well under 1% between "
             "runs, whatever the machine load."),
            "",
            "| tool | command | instructions | per line | per byte | vs ruff |",
            "|---|---|---:|---:|---:|---:|",
        ]
        base_i = instr[0].get("instructions")
        for row in instr:
            n = row.get("instructions")
            shown = tools[row["key"]].shown.replace(shown_corpus, "CORPUS")
            if n is None:
                lines.append(f"| {row['label']} | `{shown}` | n/a ({row['error']}) | | | |")
                continue
            vs = f"{n / base_i:.2f}x" if base_i else "n/a"
            lines.append(f"| {row['label']} | `{shown}` | {n:,} | "
                         f"{n / stats['lines']:,.0f} | {n / stats['bytes']:,.1f} | {vs} |")
        if len(instr) == 2 and all(r.get("instructions") for r in instr):
            lines += ["", (f"perfopt / ruff instructions: "
                           f"**{instr[1]['instructions'] / instr[0]['instructions']:.2f}**")]

    codes = sorted(set(cold.exit_codes))
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
    ap.add_argument("--valgrind", help="valgrind executable: count instructions with cachegrind")
    ap.add_argument("--valgrind-note", default="not run",
                    help="why there is no --valgrind (printed in the report)")
    ap.add_argument("--out-md", type=Path, required=True)
    ap.add_argument("--out-json", type=Path, required=True)
    args = ap.parse_args()

    args.started = datetime.now(timezone.utc)
    load = os.getloadavg()
    stats = corpus_mod.stats(args.corpus)
    if stats["files"] == 0:
        sys.exit(f"no .py files under {args.corpus}")
    log(f"corpus: {stats['files']:,} files, {stats['lines']:,} lines, "
        f"{stats['bytes'] / 1e6:.1f} MB")

    # Absolute, so the warm-cache row can run from a temporary directory.
    corpus = str(args.corpus.resolve())
    # The cache of the warm row lands in the current directory (no config file
    # above the corpus): a fresh temporary one, so the repository stays clean.
    warm_dir = tempfile.mkdtemp(prefix="perfopt-bench-warm-")
    try:
        po = args.perfopt
        tools = {t.key: t for t in [
            # --isolated: ignore any pyproject.toml/ruff.toml above the corpus and
            # the user's config, so the rule set is exactly ASYNC.
            Tool("ruff", "ruff (ASYNC)", [args.ruff, "check", "--isolated", "--select",
                                          "ASYNC", "--no-cache", "--exit-zero", corpus], {0}),
            Tool("perfopt", "perfopt", [po, "check", "--no-cache", corpus], {0, 1, 2}),
            Tool("warm", "perfopt warm (cache)", [po, "check", corpus], {0, 1, 2},
                 cwd=warm_dir),
            Tool("fix_dry_run", "perfopt fix --dry-run",
                 [po, "fix", "--dry-run", "--no-cache", corpus], {0, 1, 2}),
            Tool("parse_all", "perfopt parse-all", [po, "check", "--no-cache", corpus],
                 {0, 1, 2}, env={"PERFOPT_PARSE_ALL": "1"}),
        ]}
        run(args, stats, load, corpus, tools, warm_dir)
    finally:
        shutil.rmtree(warm_dir, ignore_errors=True)


def run(args, stats, load, corpus: str, tools: dict[str, Tool], warm_dir: str) -> None:
    for tool in tools.values():
        tool.version = version_of(tool.argv[0])
        # For the warm row this is also the priming run that fills the cache.
        code = sanity_run(tool)
        log(f"{tool.label}: sanity run ok (exit {code})")
    if not Path(warm_dir, ".perfopt_cache").is_dir():
        log("WARNING: the priming run left no .perfopt_cache in its directory "
            "(a config file above the corpus moves it): the warm row may be cold")

    seen = ruff_file_count(tools["ruff"])
    if seen != stats["files"]:
        log(f"WARNING: ruff checked {seen} files but the corpus has {stats['files']}; "
            "throughput numbers assume the whole corpus")

    if shutil.which("hyperfine"):
        timer = time_with_hyperfine(list(tools.values()), args.runs, args.warmup)
    else:
        log("hyperfine not found; timing with a Python loop")
        timer = time_with_loop(list(tools.values()), args.runs, args.warmup)
    for tool in tools.values():
        bad = sorted(set(tool.exit_codes) - tool.ok_codes)
        if bad:
            sys.exit(f"{tool.shown} exited with {bad} during timing")

    rss_ok = gnu_time_works()
    if rss_ok:
        for tool in tools.values():
            measure_rss(tool, args.rss_runs)
    else:
        log("GNU time not found at /usr/bin/time; peak RSS not measured")

    log("comparing findings with and without PERFOPT_PARSE_ALL=1")
    json_argv = [args.perfopt, "check", "--no-cache", "--format", "json", corpus]
    same = compare_findings(
        Tool("gated", "perfopt", json_argv, {0, 1, 2}),
        Tool("parse_all", "perfopt parse-all", json_argv, {0, 1, 2},
             env={"PERFOPT_PARSE_ALL": "1"}),
        corpus)

    instr = None
    if args.valgrind:
        instr = [{"key": k, **count_instructions(args.valgrind, tools[k])}
                 for k in ("ruff", "perfopt")]
        vg = subprocess.run([args.valgrind, "--version"], capture_output=True, text=True,
                            check=False).stdout.strip()
        args.valgrind_note = vg or args.valgrind

    # `fix --dry-run` must not write: make sure no timed run touched the corpus.
    if corpus_mod.stats(args.corpus) != stats:
        sys.exit(f"the corpus under {args.corpus} changed during the benchmark "
                 "(did `perfopt fix --dry-run` write files?); rebuild it with "
                 f"rm -rf {args.corpus}")

    report = render(args, stats, tools, timer, rss_ok, load, same, instr, args.valgrind_note)
    args.out_md.write_text(report)
    args.out_json.write_text(json.dumps({
        "mode": args.mode, "corpus": corpus, "stats": stats, "timer": timer,
        "runs": args.runs, "warmup": args.warmup, "loadavg_start": load,
        "started": args.started.isoformat(timespec="seconds"),
        "tools": [{"key": t.key, "label": t.label, "argv": t.argv, "cwd": t.cwd,
                   "env": t.env, "version": t.version, "times_s": t.times,
                   "exit_codes": t.exit_codes, "peak_rss_kb": t.rss_kb}
                  for t in tools.values()],
        "same_findings": same,
        "instructions": instr,
    }, indent=2) + "\n")
    print(report, end="")


if __name__ == "__main__":
    main()
