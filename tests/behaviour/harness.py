"""What the behaviour drivers share: importing an app copy, running perfopt on it, and running a
driver's checks in a temporary folder, printing `ok`/`FAIL` per check and a summary line."""
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

RUN_TIMEOUT_S = 60


class Failure(Exception):
    """A step failed so that the later checks cannot run."""


def load_module(path, name):
    """Imports the file `path` as a new module `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise Failure(f"importing {name} failed: {type(exc).__name__}: {exc}")
    return module


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
