#!/usr/bin/env bash
# Open-data export benchmark (issue 12): a generated consultation with VOTES votes (default 1,000,000) is
# exported with `contribuez export open-data` under /usr/bin/time -v; prints and writes the peak memory
# (maximum resident set size), the wall-clock time and the package's size to Benchmarks/results/export.md,
# and fails when the peak passes LIMIT_MB (default 150). When the binary has `verify`, the package is
# also checked with it (and timed).
#
#   Benchmarks/scripts/bench-export.sh [VOTES PARTICIPANTS CONTRIBUTIONS]      (from anywhere)
#   e.g. CONTRIBUEZ_BIN=.build/debug/contribuez Benchmarks/scripts/bench-export.sh 1000000 50000 20000
# CONTRIBUEZ_BIN: the binary to measure (default: a release build in .build-release, as bench-load.sh);
# BENCH_DB: an already generated database to reuse (consultation 1), instead of generating one;
# LIMIT_MB: the peak memory allowed.
set -euo pipefail
cd "$(dirname "$0")/../.."
votes=${1:-1000000}; participants=${2:-50000}; contributions=${3:-20000}
limit_mb=${LIMIT_MB:-150}
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }

if [ -z "${CONTRIBUEZ_BIN:-}" ]; then
  swift build -c release --scratch-path .build-release --product contribuez >/dev/null
  CONTRIBUEZ_BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/contribuez"
fi
bin=$(cd "$(dirname "$CONTRIBUEZ_BIN")" && pwd)/$(basename "$CONTRIBUEZ_BIN")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db=${BENCH_DB:-}
if [ -z "$db" ]; then
  db="$work/big.sqlite"
  echo "== generating $participants participants, $contributions contributions, $votes votes"
  "$bin" demo generate --database "$db" --participants "$participants" --contributions "$contributions" --votes "$votes" --sessions 0 | tail -1
fi

echo "== exporting consultation 1 under /usr/bin/time -v"
/usr/bin/time -v "$bin" export open-data 1 --out "$work/donnees.zip" --database "$db" --quiet >"$work/export.out" 2>"$work/export.time"
cat "$work/export.out"
peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/export.time")
wall=$(awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$work/export.time")
cpu_user=$(awk -F': ' '/User time/ {print $2}' "$work/export.time")
size=$(stat -c %s "$work/donnees.zip")
# NB: time -v reports KiB; the limit and the figures are in MB (10^6 bytes).
peak_mb=$(python3 -c "print(f'{$peak_kb*1024/1e6:.1f}')")
size_mb=$(python3 -c "print(f'{$size/1e6:.1f}')")
rows=$(python3 - "$work/donnees.zip" <<'PY'
import csv, io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
assert bad is None, f"CRC error in {bad}"
for name in ("votes.csv", "events.csv", "contributions.csv", "participants.csv"):
    with z.open(name) as f:
        n = sum(1 for _ in csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline=""))) - 1
    print(f"{name}={n}", end=" ")
PY
)
echo "peak RSS ${peak_mb} MB (limit ${limit_mb} MB), wall ${wall}, user CPU ${cpu_user} s, package ${size_mb} MB; ${rows}"

verify_row=""
if "$bin" verify --help >/dev/null 2>&1; then
  echo "== contribuez verify"
  /usr/bin/time -v "$bin" verify "$work/donnees.zip" >"$work/verify.out" 2>"$work/verify.time" && status=0 || status=$?
  tail -3 "$work/verify.out"
  vwall=$(awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$work/verify.time")
  vpeak=$(python3 -c "print(f'{$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/verify.time")/1024:.1f}')")
  verify_row="| verify the package | exit $status | ${vwall} | ${vpeak} MB |"
fi

mkdir -p Benchmarks/results
{
  echo "Binary: \`$CONTRIBUEZ_BIN\` ($(file -b "$bin" | grep -q 'not stripped' && echo 'with symbols' || echo 'stripped')). Data: \`demo generate\` with $participants participants, $contributions contributions, $votes votes."
  echo
  echo "| step | result | wall clock | peak RSS |"
  echo "|---|---|---:|---:|"
  echo "| export open-data (${size_mb} MB ZIP; ${rows% }) | ok | ${wall} | ${peak_mb} MB |"
  [ -n "$verify_row" ] && echo "$verify_row"
} > Benchmarks/results/export.md
cat Benchmarks/results/export.md
python3 -c "import sys; sys.exit(0 if $peak_kb*1024/1e6 < $limit_mb else 1)" || { echo "peak RSS ${peak_mb} MB is over ${limit_mb} MB" >&2; exit 1; }
