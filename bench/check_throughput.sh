#!/usr/bin/env bash
# Throughput benchmark: `perfopt check` against `ruff check --select ASYNC`
# (its closest peer: blocking calls in async functions) on a corpus of
# real-world Python, the .py files of pinned PyPI wheels. See bench/README.md.
#
# Besides Ruff and a cold `perfopt check`, it times perfopt with a warm cache,
# `perfopt fix --dry-run` and `perfopt check` with PERFOPT_PARSE_ALL=1 (every
# file parsed whole), checks that parsing less loses no finding, and counts
# instructions with valgrind's cachegrind (stable under machine load).
#
# Usage: bench/check_throughput.sh [--small] [--runs N] [--warmup N] [--rss-runs N] [--no-valgrind]
#   --small        3 small wheels instead of the full corpus (CI smoke test)
#   --runs N       timed runs per row (default 10)
#   --warmup N     untimed warm-up runs per row (default 2)
#   --rss-runs N   extra runs per row under GNU time for peak RSS (default 3)
#   --no-valgrind  skip the instruction counts (valgrind is ~10-50x slower:
#                  ~1.5 min on the full corpus, seconds on the small one)
# Environment:
#   PERFOPT_BIN    perfopt binary (default: target/release/perfopt in the repo)
#   PYTHON         interpreter for the bench venv (default: python3)
#   BENCH_NO_APT=1 never apt-get install hyperfine / time / valgrind (fall
#                  back instead; without valgrind the counts say n/a)
#
# Writes target/bench-results.md (also printed) and target/bench-results.json.
set -euo pipefail

RUFF_VERSION=0.17.6

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

mode=full runs=10 warmup=2 rss_runs=3 valgrind=1
while (($#)); do
  case "$1" in
    --small) mode=small ;;
    --runs) runs="${2:?--runs needs a value}"; shift ;;
    --warmup) warmup="${2:?--warmup needs a value}"; shift ;;
    --rss-runs) rss_runs="${2:?--rss-runs needs a value}"; shift ;;
    --no-valgrind) valgrind=0 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
for n in "$runs" "$warmup" "$rss_runs"; do
  [[ $n =~ ^[0-9]+$ ]] || die "not a number: $n"
done
((runs >= 1)) || die "--runs must be at least 1"

# Resolve PERFOPT_BIN before changing directory: a relative path is taken
# relative to the caller's directory, a bare name is looked up on PATH.
perfopt="${PERFOPT_BIN:-$ROOT/target/release/perfopt}"
if [[ $perfopt != */* ]]; then
  perfopt="$(type -P "$perfopt" || true)"
elif [[ $perfopt != /* ]]; then
  perfopt="$PWD/$perfopt"
fi
[[ -n $perfopt && -f $perfopt && -x $perfopt ]] ||
  die "perfopt binary not found (${PERFOPT_BIN:-target/release/perfopt}): run 'cargo build --release' or set PERFOPT_BIN"

cd "$ROOT"
# measure.py imports corpus.py: keep __pycache__ out of the source tree.
export PYTHONDONTWRITEBYTECODE=1

have() { if [[ $1 == /* ]]; then [[ -x $1 ]]; else command -v "$1" >/dev/null; fi; }

# Best effort: install a Debian package providing CMD if we are root. Missing
# tools are not fatal; measure.py falls back (Python timing loop, no RSS).
ensure_tool() {
  local cmd=$1 pkg=$2
  have "$cmd" && return 0
  if [[ ${BENCH_NO_APT:-} == 1 || $(id -u) != 0 ]] || ! have apt-get; then
    log "$cmd not found and not installing $pkg; falling back"
    return 0
  fi
  log "installing $pkg with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # On a fresh machine the package lists may be missing: update once, retry.
  apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$pkg" >/dev/null 2>&1; } ||
    log "could not install $pkg; falling back"
}
ensure_tool hyperfine hyperfine
ensure_tool /usr/bin/time time # GNU time, for peak RSS
# valgrind (cachegrind) for instruction counts, unless --no-valgrind.
valgrind_args=(--valgrind-note "skipped (--no-valgrind)")
if ((valgrind)); then
  ensure_tool valgrind valgrind
  if have valgrind; then
    valgrind_args=(--valgrind "$(command -v valgrind)")
  else
    valgrind_args=(--valgrind-note "valgrind not installed")
  fi
fi

# Pinned ruff in a venv of its own, which also runs the Python helpers.
venv="$ROOT/target/bench-venv"
if [[ ! -x $venv/bin/python ]]; then
  log "creating $venv"
  "${PYTHON:-python3}" -m venv "$venv" || die "could not create a venv (is the venv module installed?)"
fi
if [[ "$("$venv/bin/ruff" --version 2>/dev/null || true)" != "ruff $RUFF_VERSION" ]]; then
  log "installing ruff==$RUFF_VERSION"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ruff==$RUFF_VERSION"
fi

# Download and unpack the corpus; a no-op when it is already there with the
# same pins. Prints the corpus directory (relative to the repo root).
corpus="$("$venv/bin/python" bench/corpus.py build --mode "$mode" --dest target/bench-corpus)"

log "benchmarking ($mode corpus, $warmup warm-up + $runs runs per row); perfopt = $perfopt"
"$venv/bin/python" bench/measure.py \
  --corpus "$corpus" --mode "$mode" \
  --ruff "$venv/bin/ruff" --perfopt "$perfopt" \
  --runs "$runs" --warmup "$warmup" --rss-runs "$rss_runs" "${valgrind_args[@]}" \
  --out-md target/bench-results.md --out-json target/bench-results.json
log "written to target/bench-results.md and target/bench-results.json"
