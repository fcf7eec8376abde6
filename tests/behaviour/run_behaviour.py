"""Behaviour test for PO101/PO102: the rewritten program must print what the original did,
while its requests to the upstream overlap instead of running one at a time.

    python run_behaviour.py --perfopt PATH_TO_BINARY
    python run_behaviour.py --after-file po101_expected_after.py   # perfopt is not run

Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import ast
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import upstream
from harness import RUN_TIMEOUT_S, Failure, run_checks, run_perfopt

HERE = Path(__file__).resolve().parent
PROGRAM = HERE / "po101_program.py"


def run_program(label, path, base_url):
    """Run `path` with this interpreter; returns (results, max_in_flight)."""
    env = dict(os.environ, UPSTREAM_URL=base_url)
    try:
        # Deprecated httpx spellings (e.g. data=b"..." for content=) must fail, not pass quietly.
        proc = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", str(path)],
                              env=env, cwd=path.parent, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise Failure(f"{label} did not finish within {RUN_TIMEOUT_S} s")
    if proc.returncode != 0:
        raise Failure(f"{label} exited {proc.returncode}:\n{proc.stderr.strip()}")
    found = re.search(r"^MAX_IN_FLIGHT=(\d+)$", proc.stderr, re.MULTILINE)
    if not found:
        raise Failure(f"{label} printed no MAX_IN_FLIGHT line; stderr:\n{proc.stderr.strip()}")
    extra = proc.stderr.replace(found.group(0), "").strip()
    if extra:
        print(f"note: {label} also wrote to stderr:\n{extra}")
    try:
        results = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise Failure(f"{label} printed no JSON result; stdout:\n{proc.stdout.strip()}")
    return results, int(found.group(1))


def rewrite(target, perfopt):
    proc = run_perfopt(perfopt, target, "fix")
    # 0: nothing left to fix, 1: findings remain; anything else is an error.
    if proc.returncode not in (0, 1):
        raise Failure(f"`perfopt fix` exited {proc.returncode}:\n{proc.stdout}{proc.stderr}".strip())


def dotted_name(node):
    """`a.b.c` for a plain attribute chain, else None (so `requests.get(...).json` is not one)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def blocking_calls_in_async(source):
    """`line: call` for each requests.* or time.sleep call made directly by an async def."""
    found = []

    def visit(node, in_async):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.AsyncFunctionDef):
                visit(child, True)
            elif isinstance(child, (ast.FunctionDef, ast.Lambda)):
                visit(child, False)
            else:
                if in_async and isinstance(child, ast.Call):
                    name = dotted_name(child.func) or ""
                    if name.startswith("requests.") or name == "time.sleep":
                        found.append(f"{child.lineno}: {name}(...)")
                visit(child, in_async)

    visit(ast.parse(source), False)
    return found


def results_diff(before, after):
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    lines = difflib.unified_diff(
        json.dumps(before, indent=2, sort_keys=True).splitlines(),
        json.dumps(after, indent=2, sort_keys=True).splitlines(),
        "before (requests)", "after (rewrite)", lineterm="")
    return f"results differ in: {', '.join(changed)}\n" + "\n".join(lines)


def behaviour_checks(args, base_url, workdir):
    """Yields (name, problem or None) for each check."""
    target = workdir / PROGRAM.name
    shutil.copy(PROGRAM, target)
    before, before_max = run_program("original program", target, base_url)
    if args.after_file:
        shutil.copy(args.after_file, target)
    else:
        rewrite(target, args.perfopt)

    leftovers = blocking_calls_in_async(target.read_text())
    yield "no blocking calls left in async defs", (
        "still in async defs:\n  " + "\n  ".join(leftovers) if leftovers else None)

    after, after_max = run_program("rewritten program", target, base_url)
    print(f"max_in_flight: before {before_max}, after {after_max}")
    yield "results unchanged", results_diff(before, after) if before != after else None
    yield "max_in_flight == 1 before", (
        None if before_max == 1 else f"max_in_flight was {before_max} before the rewrite")
    yield "max_in_flight > 1 after", (
        None if after_max > 1 else f"max_in_flight was {after_max} after the rewrite: calls still serialised")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfopt", help="perfopt binary; runs `perfopt fix` on a copy of the program")
    parser.add_argument("--after-file", type=Path,
                        help="use this file as the rewritten program instead of running perfopt")
    args = parser.parse_args()
    if not args.perfopt and not args.after_file:
        parser.error("give --perfopt, or --after-file to test a hand-written rewrite")

    server = upstream.start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        return run_checks("behaviour", lambda workdir: behaviour_checks(args, base_url, workdir))
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
