#!/usr/bin/env python3
"""Build and measure the benchmark corpus for bench/check_throughput.sh.

The corpus is the `.py` files of pinned PyPI wheels, unpacked under
DEST/<mode>/<name>-<version>/. Wheels are cached in DEST/wheels/ and a
finished corpus is marked by DEST/<mode>.pins, which holds the pin list it
was built from: while the directory exists and that file still matches the
pins below, `build` does nothing.

Usage:
    corpus.py build --mode small|full --dest target/bench-corpus
    corpus.py stats DIR          # prints {"files", "lines", "bytes", "sha256"} as JSON
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

# Pins were checked to exist on PyPI as wheels. Only the `.py` files matter,
# so a platform-specific wheel (litellm, matplotlib, numpy, pydantic-core,
# sqlalchemy) is fine: pip picks the one for this interpreter and the Python
# sources are the same in all of them.
SMALL_PINS = [
    "fastapi==0.165.0",
    "starlette==1.10.0",
    "httpx==0.28.1",
]

# The corpus of issue #6: 14 wheels, 7,301 .py files, 2.60 M lines.
FULL_PINS = [
    "ansible-core==2.19.14",
    "boto3==1.44.8",
    "botocore==1.44.8",  # 17 MB wheel, but mostly JSON: only ~80 .py files
    "django==5.2.19",
    "fastapi==0.165.0",
    "litellm==1.110.2",  # ~44 MB wheel, ~3,100 .py files: the bulk of the corpus
    "matplotlib==3.11.2",
    "numpy==2.4.6",
    "open-webui==0.12.4",
    "prefect==3.9.1",  # ~7 MB wheel, ~860 .py files
    "pydantic==2.14.4",
    "pydantic-core==2.50.5",  # 2 .py files (the rest is the compiled core)
    "sqlalchemy==2.1.9",
    "starlette==1.10.0",
]

PINS = {"small": SMALL_PINS, "full": FULL_PINS}

# Bump when the on-disk layout changes, so existing corpora get rebuilt.
LAYOUT_VERSION = "1"


def log(msg: str) -> None:
    print(f"[corpus] {msg}", file=sys.stderr, flush=True)


def stamp_text(pins: list[str]) -> str:
    return f"layout {LAYOUT_VERSION}\n" + "\n".join(pins) + "\n"


def download_wheel(pin: str, wheels: Path) -> Path:
    """Return the wheel for `pin`, downloading it into its own directory.

    One directory per pin avoids having to map normalised wheel file names
    (e.g. `SQLAlchemy` vs `sqlalchemy`) back to pins, and lets a cached wheel
    skip pip entirely.
    """
    target = wheels / pin.replace("==", "-")
    found = sorted(target.glob("*.whl"))
    if not found:
        log(f"downloading {pin}")
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet",
             "--disable-pip-version-check", "--no-deps",
             "--only-binary", ":all:", "-d", str(target), pin],
            check=True,
        )
        found = sorted(target.glob("*.whl"))
    if len(found) != 1:
        sys.exit(f"expected exactly one wheel in {target}, found {len(found)}")
    return found[0]


def extract_py(wheel: Path, out: Path) -> int:
    """Unpack only the `*.py` members of `wheel` into `out`; return the count."""
    count = 0
    root = out.resolve()
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.endswith(".py"):
                continue
            dest = (out / info.filename).resolve()
            if root not in dest.parents:  # refuse `../` tricks in member names
                sys.exit(f"{wheel.name}: unsafe member name {info.filename!r}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as dst:
                shutil.copyfileobj(src, dst)
            count += 1
    return count


def build(mode: str, dest: Path) -> Path:
    pins = PINS[mode]
    corpus = dest / mode
    stamp = dest / f"{mode}.pins"
    if corpus.is_dir() and stamp.is_file() and stamp.read_text() == stamp_text(pins):
        log(f"{corpus} is up to date ({len(pins)} pinned wheels)")
        return corpus

    # Stale or half-built: start over. The stamp is written last, so an
    # interrupted build is redone on the next run.
    stamp.unlink(missing_ok=True)
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    for pin in pins:
        wheel = download_wheel(pin, dest / "wheels")
        n = extract_py(wheel, corpus / pin.replace("==", "-"))
        log(f"{pin}: {n} .py files")
    stamp.write_text(stamp_text(pins))
    return corpus


def stats(corpus: Path) -> dict[str, int | str]:
    """Count `.py` files, lines and bytes under `corpus`, and hash them.

    Lines are newline characters, plus one for a non-empty last line without
    a trailing newline (what an editor would show, and `wc -l` give or take).
    Reading everything also warms the page cache before the timed runs. The
    SHA-256 covers every file's path and content (in sorted order), so the
    benchmark can tell that no run (`fix --dry-run`) modified the corpus.
    """
    files = lines = size = 0
    digest = hashlib.sha256()
    for dirpath, dirs, names in os.walk(corpus):
        dirs.sort()
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            path = Path(dirpath, name)
            data = path.read_bytes()
            files += 1
            size += len(data)
            lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            rel = path.relative_to(corpus).as_posix().encode()
            digest.update(len(rel).to_bytes(8, "little") + rel)
            digest.update(len(data).to_bytes(8, "little") + data)
    return {"files": files, "lines": lines, "bytes": size, "sha256": digest.hexdigest()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="download and unpack the corpus (cached)")
    b.add_argument("--mode", choices=sorted(PINS), required=True)
    b.add_argument("--dest", type=Path, required=True)
    s = sub.add_parser("stats", help="print file/line/byte counts as JSON")
    s.add_argument("corpus", type=Path)
    args = ap.parse_args()

    if args.cmd == "build":
        print(build(args.mode, args.dest))
    else:
        print(json.dumps(stats(args.corpus)))


if __name__ == "__main__":
    main()
