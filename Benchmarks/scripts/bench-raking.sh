#!/usr/bin/env bash
# Raking benchmark, side by side: Contribuez (Swift, release) and its Python peers on the
# same data in the same run. Writes Benchmarks/results/raking.md.
#   usage: Benchmarks/scripts/bench-raking.sh [N] [SMALL_N]     (defaults 1000000 and 20000)
# Env: BENCH_RAKING_BUILD (scratch path, default /tmp/bench-build-raking),
#      BENCH_RAKING_VENV (virtualenv, default Benchmarks/.venv-raking),
#      BENCH_RAKING_PACKAGE (package to build bench-raking from, default Benchmarks/; a copy
#      holding only the raking sources helps while other modules are mid-edit).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-1000000}"
small="${2:-20000}"
build="${BENCH_RAKING_BUILD:-/tmp/bench-build-raking}"
venv="${BENCH_RAKING_VENV:-$here/.venv-raking}"
data="$(mktemp -d /tmp/bench-raking-data.XXXXXX)"
trap 'rm -rf "$data"' EXIT

echo "== building bench-raking (release)" >&2
(cd "${BENCH_RAKING_PACKAGE:-$here}" && swift build -c release --scratch-path "$build" --product bench-raking >&2)
bin="$build/release/bench-raking"

echo "== python peers into $venv" >&2
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "weightipy==0.4.2" "samplics==0.6.1" >&2

echo "== Swift, $n respondents" >&2
"$bin" --n "$n" --runs 5 --data "$data" | tee "$data/swift-big.txt" >&2
echo "== Swift, $small respondents (same first rows)" >&2
"$bin" --n "$small" --runs 5 | tee "$data/swift-small.txt" >&2

echo "== Python peers" >&2
mkdir -p "$here/results"
"$venv/bin/python" "$here/scripts/bench_raking_peers.py" "$data" "$data/swift-big.txt" "$data/swift-small.txt" \
    "$small" "$here/results/raking.md" "Benchmarks/scripts/bench-raking.sh $n $small"
