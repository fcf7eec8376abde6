"""What the behaviour drivers share: running perfopt on an app copy, and running a driver's
checks in a temporary folder, printing `ok`/`FAIL` per check and a summary line."""
import subprocess
import tempfile
from pathlib import Path

RUN_TIMEOUT_S = 60


class Failure(Exception):
    """A step failed so that the later checks cannot run."""


def run_perfopt(perfopt, target, *args):
    """Runs perfopt from the app's temporary folder, so that its cache for re-runs lands there."""
    try:
        return subprocess.run([perfopt, *args, str(target)], cwd=target.parent,
                              capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except OSError as exc:
        raise Failure(f"cannot run perfopt: {exc}")


def run_checks(label, checks):
    """Runs `checks(workdir)`, which yields (name, problem or None), in a temporary folder;
    prints each result and `<label>: N passed, M failed`; returns the exit code."""
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix=f"perfopt-{label}-") as tmp:
        try:
            for name, problem in checks(Path(tmp)):
                if problem:
                    failed += 1
                    print(f"FAIL {name}\n{problem}")
                else:
                    passed += 1
                    print(f"ok   {name}")
        except (Failure, subprocess.TimeoutExpired) as exc:
            failed += 1
            print(f"FAIL {exc}")
    print(f"{label}: {passed} passed, {failed} failed")
    return 1 if failed else 0
