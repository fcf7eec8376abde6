#!/usr/bin/env bash
# The project's test command: makes the Python environment the behaviour test needs, then runs
# every Rust test (unit, fixtures and snapshots, CLI, behaviour).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/test-venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/behaviour/requirements.txt "$venv/requirements.txt"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/behaviour/requirements.txt
    cp tests/behaviour/requirements.txt "$venv/requirements.txt"
fi
export PERFOPT_TEST_PYTHON="$PWD/$venv/bin/python"
export INSTA_UPDATE=no
cargo test --all-targets "$@"
