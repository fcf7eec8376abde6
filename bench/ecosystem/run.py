#!/usr/bin/env python3
"""Ecosystem check for perfopt on pinned real-world FastAPI projects from PyPI.

For each project of bench/ecosystem/projects.toml (downloaded once, unpacked
to target/ecosystem/<name>/src/):
  * `perfopt check --isolated --format json` on a copy: findings per code, wall time;
  * `perfopt fix --unsafe --isolated` on another copy, then checks that every
    file that compiled before still compiles, that a second `fix` changes
    nothing, that perfopt never panics, and that nothing outside the copy changed;
  * `perfopt check` alone on the N largest files, to spot slow files.
Writes target/ecosystem/report.md and report.json; exits 1 on any failure.

    run.py [--small] [--projects a,b] [--binary PATH]
    run.py --compare OLD_BINARY NEW_BINARY [--small] [--projects a,b]
"""

from __future__ import annotations

import argparse
import builtins
import collections
import concurrent.futures
import datetime
import difflib
import hashlib
import json
import os
import platform
import re
import shutil
import symtable
import subprocess
import sys
import tarfile
import time
import tomllib
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LAYOUT = "1"  # bump when the unpacked layout changes, to rebuild every tree
DIFF_LINES = 80  # longest diff excerpt kept per failure


def log(msg: str) -> None:
    print(f"[ecosystem] {msg}", file=sys.stderr, flush=True)


def rel(path: Path) -> str:
    """A path as shown in reports: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


# --- projects: download and unpack ------------------------------------------


@dataclass
class Project:
    name: str
    version: str
    dist: str  # "wheel" or "sdist"
    small: bool = False

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


def load_projects(path: Path) -> list[Project]:
    data = tomllib.loads(path.read_text())
    projects = [Project(**p) for p in data["project"]]
    for p in projects:
        if p.dist not in ("wheel", "sdist"):
            sys.exit(f"{path}: {p.name}: dist must be 'wheel' or 'sdist'")
    return projects


def download(p: Project, downloads: Path) -> Path:
    """The project's archive, fetched with pip into its own directory once."""
    target = downloads / f"{p.name}-{p.version}-{p.dist}"
    archives = [f for f in target.glob("*") if f.is_file()] if target.is_dir() else []
    if len(archives) != 1:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        kind = ["--only-binary", ":all:"] if p.dist == "wheel" else ["--no-binary", ":all:"]
        log(f"downloading {p.pin} ({p.dist})")
        r = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", *kind, "-d", str(target), p.pin],
            capture_output=True, text=True,
        )
        archives = [f for f in target.glob("*") if f.is_file()]
        if r.returncode != 0 or len(archives) != 1:
            raise RuntimeError(f"pip download {p.pin} failed:\n{r.stderr[-2000:]}")
    return archives[0]


def safe_dest(root: Path, member: str) -> Path | None:
    """Where an archive member goes under root; None for `../` or absolute names."""
    dest = (root / member).resolve()
    return dest if root.resolve() in dest.parents else None


def unpack_py(archive: Path, out: Path) -> None:
    """Unpack only the `.py` files; an sdist loses its `name-version/` prefix."""
    out.mkdir(parents=True)
    if archive.suffix in (".whl", ".zip"):
        strip = archive.suffix == ".zip"
        with zipfile.ZipFile(archive) as zf:
            members = [(i.filename, i) for i in zf.infolist() if not i.is_dir()]
            for name, info in members:
                name = name.split("/", 1)[1] if strip and "/" in name else name
                if name.endswith(".py") and (dest := safe_dest(out, name)):
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(zf.read(info))
    else:
        with tarfile.open(archive) as tf:
            for m in tf.getmembers():
                name = m.name.split("/", 1)[1] if "/" in m.name else m.name
                if m.isfile() and name.endswith(".py") and (dest := safe_dest(out, name)):
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(tf.extractfile(m).read())


def prepare(p: Project, work: Path) -> Path:
    """target/ecosystem/<name>/src, rebuilt only when the pin changed."""
    pdir = work / p.name
    stamp = pdir / "pin"
    stamp_text = f"{p.pin} {p.dist} layout {LAYOUT}\n"
    if stamp.is_file() and stamp.read_text() == stamp_text and (pdir / "src").is_dir():
        return pdir / "src"
    shutil.rmtree(pdir, ignore_errors=True)
    archive = download(p, work / "downloads")
    unpack_py(archive, pdir / "src")
    stamp.write_text(stamp_text)  # last, so an interrupted unpack is redone
    return pdir / "src"


def prepare_all(projects: list[Project], work: Path) -> dict[str, Path]:
    """Fetch in parallel (pip is mostly waiting on the network or a build backend)."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = {p.name: pool.submit(prepare, p, work) for p in projects}
        try:
            return {name: f.result() for name, f in futures.items()}
        except RuntimeError as e:
            sys.exit(f"error: {e}")


# --- file trees ---------------------------------------------------------------


def py_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under root: relative path -> (size, mtime_ns, sha256)."""
    snap = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            snap[str(path.relative_to(root))] = (
                st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    return snap


def changed_files(a: dict, b: dict, with_mtime: bool = False) -> dict[str, str]:
    """Paths that differ between two snapshots: path -> added|removed|modified."""
    out = {}
    for k in sorted(a.keys() | b.keys()):
        if k not in a:
            out[k] = "added"
        elif k not in b:
            out[k] = "removed"
        elif (a[k] if with_mtime else a[k][::2]) != (b[k] if with_mtime else b[k][::2]):
            out[k] = "modified"
    return out


def fresh_copy(src: Path, dst: Path) -> Path:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    return dst


def compile_error(data: bytes, filename: str) -> tuple[str, int | None] | None:
    """None when the source compiles (to bytecode, not just parses), else (error, line)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, filename, "exec", dont_inherit=True)
    except SyntaxError as e:
        return f"{type(e).__name__}: {e.msg} (line {e.lineno}, column {e.offset})", e.lineno
    except Exception as e:  # ValueError for NUL bytes, RecursionError, ...
        return f"{type(e).__name__}: {e}", None
    return None


MODULE_NAMES = set(dir(builtins))
MODULE_NAMES |= {"__file__", "__name__", "__doc__", "__spec__", "__loader__", "__package__",
                 "__path__", "__builtins__", "__annotations__", "__cached__"}


def undefined_names(text: str, filename: str) -> set[str] | None:
    """Global names read somewhere but bound nowhere in the module (a NameError
    waiting to happen), per the compiler's own symbol tables; None when unknowable
    (a star import, or the source does not compile)."""
    if re.search(r"^\s*from\s+\S+\s+import\s+\*", text, re.M):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            top = symtable.symtable(text, filename, "exec")
    except Exception:
        return None
    bound, read, tables = set(MODULE_NAMES), set(), [top]
    while tables:
        t = tables.pop()
        tables.extend(t.get_children())
        for sym in t.get_symbols():
            name = sym.get_name()
            if t is top and (sym.is_assigned() or sym.is_imported() or sym.is_namespace()):
                bound.add(name)
            elif sym.is_declared_global() and sym.is_assigned():
                bound.add(name)  # `global x; x = ...` inside a function
            if sym.is_referenced() and (t is top or sym.is_global()):
                read.add(name)
    return read - bound


def compile_failures(p: Project, src: Path) -> dict[str, str]:
    """Files of the pristine tree that do not compile, cached per pin and Python."""
    cache = src.parent / "compile-failures.json"
    key = f"{p.pin} {p.dist} {sys.version}"
    if cache.is_file():
        data = json.loads(cache.read_text())
        if data.get("key") == key:
            return data["failures"]
    failures = {}
    for path in py_files(src):
        err = compile_error(path.read_bytes(), str(path))
        if err:
            failures[str(path.relative_to(src))] = err[0]
    cache.write_text(json.dumps({"key": key, "failures": failures}, indent=1))
    return failures


def diff_excerpt(a: bytes, b: bytes, name: str, around: int | None = None) -> str:
    """Unified diff of two versions, cut to DIFF_LINES; hunks near `around` first."""
    lines = list(difflib.unified_diff(
        a.decode("utf-8", "replace").splitlines(keepends=True),
        b.decode("utf-8", "replace").splitlines(keepends=True),
        f"a/{name}", f"b/{name}", n=3))
    if around is not None and len(lines) > DIFF_LINES:
        # Start at the hunk whose new-side range holds the error line.
        starts = [i for i, l in enumerate(lines) if l.startswith("@@")]
        for i in reversed(starts):
            new = lines[i].split("+")[1].split(" ")[0].split(",")
            if int(new[0]) <= around:
                lines = lines[:2] + lines[i:]
                break
    cut = len(lines) > DIFF_LINES
    text = "".join(lines[:DIFF_LINES])
    if not text.endswith("\n"):
        text += "\n"
    return text + (f"... ({len(lines) - DIFF_LINES} more diff lines)\n" if cut else "")


def context(data: bytes, line: int, radius: int = 4) -> str:
    """Numbered lines around `line` (1-based)."""
    lines = data.decode("utf-8", "replace").splitlines()
    lo, hi = max(1, line - radius), min(len(lines), line + radius)
    return "".join(
        f"{'>' if n == line else ' '}{n:6} | {lines[n - 1]}\n" for n in range(lo, hi + 1))


# --- running perfopt ----------------------------------------------------------


@dataclass
class Run:
    cmd: list[str]
    rc: int | None
    stdout: str
    stderr: str
    wall: float
    crash: str | None = None  # why this run counts as a crash, if it does

    @property
    def errors(self) -> list[str]:
        return [l for l in self.stderr.splitlines() if l.startswith("error: ")]


def perfopt(binary: str, args: list[str], cwd: Path, timeout: float,
            env: dict[str, str] | None = None) -> Run:
    """Run perfopt; a panic, an exit code outside 0/1/2 or a timeout is a crash."""
    cmd = [binary, *args]
    start = time.perf_counter()
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout,
                           env={**os.environ, **(env or {})})
        run = Run(cmd, r.returncode, r.stdout.decode("utf-8", "replace"),
                  r.stderr.decode("utf-8", "replace"), time.perf_counter() - start)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        err = (e.stderr or b"").decode("utf-8", "replace")
        return Run(cmd, None, out, err, time.perf_counter() - start, f"timeout after {timeout:.0f} s")
    if "panicked" in run.stderr:
        run.crash = "panic"
    elif run.rc not in (0, 1, 2):
        run.crash = f"exit code {run.rc}" + (" (signal)" if run.rc < 0 else "")
    return run


def findings(run: Run, root: Path) -> list[dict]:
    """The JSON findings of a run, filenames made relative to root."""
    items = json.loads(run.stdout or "[]")
    base = root.resolve()
    for f in items:
        try:  # perfopt prints the paths it was given joined with the file's: absolute here
            f["filename"] = str(Path(f["filename"]).resolve().relative_to(base))
        except ValueError:
            pass
    return items


def crash_failure(run: Run, what: str) -> dict:
    return {"kind": "panic", "what": f"{what}: {run.crash}",
            "command": " ".join(run.cmd), "stderr": run.stderr[-3000:]}


# --- the check of one project ---------------------------------------------------


@dataclass
class Result:
    name: str
    version: str
    dist: str
    files: int = 0
    lines: int = 0
    not_compiling: int = 0  # files that did not compile before any fix
    findings: dict[str, int] = field(default_factory=dict)
    fixable: int = 0
    check_exit: int | None = None
    check_wall_s: float = 0.0
    fix_wall_s: float = 0.0
    files_fixed: int = 0
    left_after_fix: int | None = None
    introduced_syntax_errors: int = 0
    introduced_undefined_names: int = 0
    idempotence_failures: int = 0
    parse_all_differences: int = 0
    panics: int = 0
    outside_changes: int = 0
    perfopt_errors: list[str] = field(default_factory=list)
    slow_files: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)


def compare_with_parse_all(res: Result, items: list[dict], binary: str, check_dir: Path,
                           pdir: Path, timeout: float) -> None:
    """The findings of `check` (which parses only what can hold one) against a check that
    parses every file whole (PERFOPT_PARSE_ALL=1): messages, notes and fix edits included."""
    run = perfopt(binary, ["check", "--isolated", "--format", "json", str(check_dir)], pdir,
                  timeout, env={"PERFOPT_PARSE_ALL": "1"})
    if run.crash:
        return
    key = lambda f: json.dumps(f, sort_keys=True)
    gated = collections.Counter(map(key, items))
    whole = collections.Counter(map(key, findings(run, check_dir)))
    for item, how in [*((i, "only when parsing in part") for i in gated - whole),
                      *((i, "only when parsing everything") for i in whole - gated)]:
        f = json.loads(item)
        res.parse_all_differences += 1
        res.failures.append({"kind": "parse-all", "file": f["filename"],
                             "what": f"{f['code']} at {f['filename']}:{f['location']['row']} {how}"})


def check_project(p: Project, src: Path, binary: str, top: int, timeout: float) -> Result:
    pdir = src.parent
    res = Result(p.name, p.version, p.dist)
    files = py_files(src)
    sizes = {f: f.stat().st_size for f in files}
    res.files = len(files)
    res.lines = sum(count_lines(f.read_bytes()) for f in files)
    broken_before = compile_failures(p, src)
    res.not_compiling = len(broken_before)
    src_before = snapshot(src)

    def crashed(run: Run, what: str) -> bool:
        if run.crash:
            res.panics += 1
            res.failures.append(crash_failure(run, what))
        return run.crash is not None

    # 1. check, on a copy (which check must not modify either).
    check_dir = fresh_copy(src, pdir / "check")
    check_snap = snapshot(check_dir)
    run = perfopt(binary, ["check", "--isolated", "--format", "json", str(check_dir)], pdir, timeout)
    res.check_exit, res.check_wall_s = run.rc, round(run.wall, 3)
    res.perfopt_errors = [e.replace(str(check_dir) + "/", "") for e in run.errors]
    if not crashed(run, "check"):
        try:
            items = findings(run, check_dir)
            res.findings = dict(sorted(collections.Counter(f["code"] for f in items).items()))
            res.fixable = sum(1 for f in items if f.get("fix"))
            compare_with_parse_all(res, items, binary, check_dir, pdir, timeout)
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            run.crash = f"invalid JSON output ({e})"
            crashed(run, "check")
    for path, how in changed_files(check_snap, snapshot(check_dir), with_mtime=True).items():
        res.outside_changes += 1
        res.failures.append({"kind": "outside-change", "what": f"`check` {how} {path}",
                             "file": rel(check_dir / path)})

    # 2. fix --unsafe on a copy, then the same again on a copy of the result.
    fixed = fresh_copy(src, pdir / "fixed")
    run = perfopt(binary, ["fix", "--unsafe", "--isolated", "--format", "json", str(fixed)], pdir, timeout)
    res.fix_wall_s = round(run.wall, 3)
    if not crashed(run, "fix"):
        try:
            res.left_after_fix = len(json.loads(run.stdout or "[]"))
        except json.JSONDecodeError:
            pass
    fixed_snap = snapshot(fixed)
    for path, how in changed_files(src_before, fixed_snap).items():
        if how != "modified":
            res.failures.append({"kind": "outside-change", "what": f"`fix` {how} {path}",
                                 "file": rel(fixed / path)})
            res.outside_changes += 1
            continue
        res.files_fixed += 1
        if path in broken_before:
            continue  # did not compile before: not perfopt's doing
        after = (fixed / path).read_bytes()
        err = compile_error(after, str(fixed / path))
        if err:
            res.introduced_syntax_errors += 1
            err, line = err
            before = (src / path).read_bytes()
            res.failures.append({
                "kind": "syntax-error", "what": f"fix made {path} stop compiling",
                "file": rel(fixed / path), "original": rel(src / path),
                "compile_error": err,
                "context": context(after, line) if line else "",
                "diff": diff_excerpt(before, after, path, around=line),
            })
            continue
        # Compiles, but may read a name it never binds (a helper or import left out).
        before = (src / path).read_bytes()
        names_before = undefined_names(before.decode("utf-8", "replace"), path)
        names_after = undefined_names(after.decode("utf-8", "replace"), path)
        if names_before is not None and names_after is not None and names_after - names_before:
            res.introduced_undefined_names += 1
            res.failures.append({
                "kind": "undefined-name",
                "what": f"fix made {path} read undefined {', '.join(sorted(names_after - names_before))}",
                "file": rel(fixed / path), "original": rel(src / path),
                "diff": diff_excerpt(before, after, path),
            })

    fixed2 = fresh_copy(fixed, pdir / "fixed2")
    run = perfopt(binary, ["fix", "--unsafe", "--isolated", str(fixed2)], pdir, timeout)
    crashed(run, "second fix")
    for path, how in changed_files(fixed_snap, snapshot(fixed2)).items():
        res.idempotence_failures += 1
        a = (fixed / path).read_bytes() if (fixed / path).exists() else b""
        b = (fixed2 / path).read_bytes() if (fixed2 / path).exists() else b""
        res.failures.append({
            "kind": "idempotence", "what": f"second fix {how} {path}",
            "file": rel(fixed2 / path), "first_fix": rel(fixed / path), "original": rel(src / path),
            "diff": diff_excerpt(a, b, path),
            "first_fix_diff": diff_excerpt((src / path).read_bytes(), a, path)
            if (src / path).exists() else "",
        })

    # 3. check alone on the largest files, to find slow ones.
    for f in sorted(files, key=lambda f: -sizes[f])[:top]:
        target = check_dir / f.relative_to(src)
        run = perfopt(binary, ["check", "--isolated", "--format", "json", str(target)], pdir, timeout)
        crashed(run, f"check {f.relative_to(src)}")
        res.slow_files.append({"file": str(f.relative_to(src)), "bytes": sizes[f],
                               "wall_s": round(run.wall, 4), "exit": run.rc})
    res.slow_files.sort(key=lambda s: -s["wall_s"])

    # Nothing outside the copies may change: the pristine tree must be intact.
    for path, how in changed_files(src_before, snapshot(src), with_mtime=True).items():
        res.outside_changes += 1
        res.failures.append({"kind": "outside-change", "what": f"source tree: {how} {path}",
                             "file": rel(src / path)})
    return res


# --- reports ------------------------------------------------------------------


def binary_version(binary: str) -> str:
    try:
        return subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError as e:
        sys.exit(f"error: cannot run {binary}: {e}")


def md_table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def fence(text: str, lang: str = "") -> str:
    return f"```{lang}\n{text.rstrip()}\n```\n"


def report(results: list[Result], meta: dict, work: Path) -> tuple[str, dict]:
    codes = sorted({c for r in results for c in r.findings})
    cols = ["files", "lines", "not_compiling", "fixable", "files_fixed",
            "introduced_syntax_errors", "introduced_undefined_names", "idempotence_failures",
            "parse_all_differences", "panics", "outside_changes"]
    totals = {c: sum(getattr(r, c) for r in results) for c in cols}
    totals["findings"] = {c: sum(r.findings.get(c, 0) for r in results) for c in codes}
    totals["check_wall_s"] = round(sum(r.check_wall_s for r in results), 3)
    totals["perfopt_errors"] = sum(len(r.perfopt_errors) for r in results)
    failed = sum(totals[c] for c in cols[5:])

    header = ["project", "version", "files", "lines", "not compiling", *codes, "fixable", "files fixed",
              "syntax errors", "undefined names", "idempotence", "parse-all", "panics", "outside",
              "perfopt errors", "check (s)"]
    rows = [[f"{r.name}", f"{r.version} ({r.dist})", r.files, f"{r.lines:,}", r.not_compiling,
             *(r.findings.get(c, 0) for c in codes), r.fixable, r.files_fixed,
             r.introduced_syntax_errors, r.introduced_undefined_names, r.idempotence_failures,
             r.parse_all_differences, r.panics, r.outside_changes,
             len(r.perfopt_errors), f"{r.check_wall_s:.2f}"] for r in results]
    rows.append(["**total**", f"{len(results)} projects", totals["files"], f"{totals['lines']:,}",
                 totals["not_compiling"],
                 *(totals["findings"][c] for c in codes), totals["fixable"], totals["files_fixed"],
                 totals["introduced_syntax_errors"], totals["introduced_undefined_names"],
                 totals["idempotence_failures"], totals["parse_all_differences"],
                 totals["panics"], totals["outside_changes"], totals["perfopt_errors"],
                 f"{totals['check_wall_s']:.2f}"])

    md = [f"# perfopt ecosystem check\n",
          f"- binary: `{meta['binary']}` ({meta['version']})",
          f"- Python {meta['python']} (compile checks), {meta['date']}, mode: {meta['mode']}",
          f"- result: **{'FAIL' if failed else 'ok'}** "
          f"({failed} failure{'s' if failed != 1 else ''})\n",
          "## Summary\n",
          "`syntax errors`: files that compiled before `fix --unsafe` and not after; "
          "`undefined names`: fixed files that now read a global name bound nowhere in the "
          "module (e.g. a missing `import asyncio`), per Python's `symtable`; "
          "`idempotence`: files a second `fix --unsafe` changed; `parse-all`: findings (with "
          "their messages, notes and fix edits) that differ from those of a `check` parsing "
          "every file whole (`PERFOPT_PARSE_ALL=1`); `panics`: runs that panicked, "
          "timed out, exited outside 0/1/2 or printed invalid JSON; `outside`: files changed "
          "outside the fixed copy (or created/removed by `fix`); `perfopt errors`: files "
          "`check` reported as `error:` (exit 2; information, not a failure); "
          "`not compiling` files (before any fix) are skipped by the syntax check.\n",
          md_table(header, rows)]

    fails = [(r, f) for r in results for f in r.failures]
    md.append(f"## Failures ({len(fails)})\n")
    if not fails:
        md.append("None.\n")
    for r, f in fails:
        md.append(f"### {r.name}: {f['kind']}: {f['what']}\n")
        for key in ("file", "first_fix", "original", "command"):
            if f.get(key):
                md.append(f"- {key.replace('_', ' ')}: `{f[key]}`")
        if f.get("compile_error"):
            md.append(f"- compile error: `{f['compile_error']}`")
        md.append("")
        if f.get("context"):
            md.append("After the fix, around the error:\n\n" + fence(f["context"]))
        if f.get("diff"):
            title = "Second fix's changes" if f["kind"] == "idempotence" else "The fix"
            md.append(f"{title}:\n\n" + fence(f["diff"], "diff"))
        if f.get("first_fix_diff"):
            md.append("First fix's changes:\n\n" + fence(f["first_fix_diff"], "diff"))
        if f.get("stderr"):
            md.append("stderr (end):\n\n" + fence(f["stderr"]))

    errs = [(r.name, e) for r in results for e in r.perfopt_errors]
    if errs:
        md.append(f"## Files perfopt reported as errors ({len(errs)})\n")
        md.append(fence("\n".join(f"{n}: {e}" for n, e in errs)))

    slow = sorted(((r.name, s) for r in results for s in r.slow_files),
                  key=lambda x: -x[1]["wall_s"])[:15]
    if slow:
        md.append("## Slowest single-file checks\n")
        md.append(f"`perfopt check` run alone on each project's {meta['top']} largest files "
                  "(process start included).\n")
        md.append(md_table(["project", "file", "KiB", "wall (ms)"],
                           [[n, f"`{s['file']}`", s["bytes"] // 1024, f"{s['wall_s'] * 1000:.1f}"]
                            for n, s in slow]))

    md.append("## Reproduce\n")
    md.append(fence(
        f"python3 bench/ecosystem/run.py{' --small' if meta['mode'] == 'small' else ''}"
        f"{' --projects ' + meta['projects'] if meta['projects'] else ''} --binary {meta['binary']}\n"
        f"# one project's fix, by hand (trees under {rel(work)}/<name>/):\n"
        f"rm -rf /tmp/eco && cp -r {rel(work)}/NAME/src /tmp/eco\n"
        f"{meta['binary']} fix --unsafe --isolated /tmp/eco\n"
        f"diff -ru {rel(work)}/NAME/src /tmp/eco", "sh"))

    data = {"meta": meta, "failed": failed, "totals": totals,
            "projects": [r.__dict__ for r in results]}
    return "\n".join(md), data


# --- compare mode ---------------------------------------------------------------


def compare(projects: list[Project], srcs: dict[str, Path], old: str, new: str,
            work: Path, timeout: float) -> int:
    """Findings that appear or disappear between two binaries, per project."""
    meta = {"old": f"{old} ({binary_version(old)})", "new": f"{new} ({binary_version(new)})",
            "date": datetime.datetime.now().isoformat(timespec="seconds")}
    md = ["# perfopt ecosystem comparison\n", f"- old: `{meta['old']}`",
          f"- new: `{meta['new']}`", f"- {meta['date']}\n"]
    out, crashes, rows = [], 0, []
    for p in projects:
        src = srcs[p.name]
        copy = fresh_copy(src, src.parent / "check")
        sides = {}
        for label, binary in (("old", old), ("new", new)):
            run = perfopt(binary, ["check", "--isolated", "--format", "json", str(copy)],
                          src.parent, timeout)
            try:
                items = [] if run.crash else findings(run, copy)
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                run.crash, items = f"invalid JSON output ({e})", []
            if run.crash:
                crashes += 1
                md.append(f"**{p.name}: {label} binary crashed: {run.crash}**\n")
                md.append(fence(run.stderr[-2000:]))
            sides[label] = {(f["filename"], f["location"]["row"], f["code"]): f["message"]
                            for f in items}
            sides[label + "_n"] = collections.Counter(
                (f["filename"], f["location"]["row"], f["code"]) for f in items)
        appeared = sorted((sides["new_n"] - sides["old_n"]).elements())
        gone = sorted((sides["old_n"] - sides["new_n"]).elements())
        rows.append([p.name, p.version, sum(sides["old_n"].values()),
                     sum(sides["new_n"].values()), f"+{len(appeared)}", f"-{len(gone)}"])
        out.append({"project": p.name, "version": p.version,
                    "old": sum(sides["old_n"].values()), "new": sum(sides["new_n"].values()),
                    "appeared": [{"file": f, "row": r, "code": c, "message": sides["new"][(f, r, c)]}
                                 for f, r, c in appeared],
                    "disappeared": [{"file": f, "row": r, "code": c, "message": sides["old"][(f, r, c)]}
                                    for f, r, c in gone]})
    md.append(md_table(["project", "version", "old", "new", "appeared", "disappeared"], rows))
    for o in out:
        if o["appeared"] or o["disappeared"]:
            lines = [f"+ {x['file']}:{x['row']} {x['code']} {x['message']}" for x in o["appeared"]]
            lines += [f"- {x['file']}:{x['row']} {x['code']} {x['message']}" for x in o["disappeared"]]
            md.append(f"### {o['project']} {o['version']}\n\n" + fence("\n".join(lines), "diff"))
    text = "\n".join(md)
    (work / "compare.md").write_text(text)
    (work / "compare.json").write_text(json.dumps({"meta": meta, "projects": out}, indent=1))
    print(text)
    log(f"wrote {rel(work / 'compare.md')} and compare.json")
    return 1 if crashes else 0


# --- main -----------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=os.environ.get("PERFOPT_BIN", str(REPO / "target/release/perfopt")),
                    help="perfopt to test (default: $PERFOPT_BIN or target/release/perfopt)")
    ap.add_argument("--compare", nargs=2, metavar=("OLD_BINARY", "NEW_BINARY"),
                    help="list findings that appear/disappear between two binaries")
    ap.add_argument("--small", action="store_true", help="only the projects marked small (CI)")
    ap.add_argument("--projects", help="comma-separated project names to run")
    ap.add_argument("--config", type=Path, default=HERE / "projects.toml")
    ap.add_argument("--work", type=Path, default=REPO / "target/ecosystem")
    ap.add_argument("--top", type=int, default=10, help="largest files per project checked alone")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per perfopt run")
    args = ap.parse_args()

    projects = load_projects(args.config)
    if args.small:
        projects = [p for p in projects if p.small]
    if args.projects:
        wanted = set(args.projects.split(","))
        if unknown := wanted - {p.name for p in projects}:
            sys.exit(f"error: unknown project(s): {', '.join(sorted(unknown))}")
        projects = [p for p in projects if p.name in wanted]
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    srcs = prepare_all(projects, work)

    binaries = args.compare or [args.binary]
    binaries = [str(Path(b).resolve()) if os.sep in b else b for b in binaries]
    if args.compare:
        return compare(projects, srcs, *binaries, work, args.timeout)

    binary = binaries[0]
    meta = {"binary": rel(Path(binary)) if os.sep in binary else binary,
            "version": binary_version(binary), "python": platform.python_version(),
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "mode": "small" if args.small else "full", "top": args.top,
            "projects": args.projects or ""}
    results = []
    for p in projects:
        log(f"{p.pin}: checking")
        r = check_project(p, srcs[p.name], binary, args.top, args.timeout)
        log(f"{p.pin}: {r.files} files, findings {r.findings}, {r.files_fixed} fixed, "
            f"{len(r.failures)} failure(s), check {r.check_wall_s:.2f} s")
        results.append(r)

    md, data = report(results, meta, work)
    (work / "report.md").write_text(md)
    (work / "report.json").write_text(json.dumps(data, indent=1))
    print(md)
    log(f"wrote {rel(work / 'report.md')} and report.json")
    return 1 if data["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
