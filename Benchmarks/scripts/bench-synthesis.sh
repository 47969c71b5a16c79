#!/usr/bin/env bash
# Synthesis at national scale (issue 14): generate a consultation, run the synthesis from scratch,
# cast new votes, run it again incrementally. Prints each step's time and memory (the runner reads
# VmRSS/VmHWM of /proc/self/status at every step boundary) and /usr/bin/time -v's overall figures.
#
#   Benchmarks/scripts/bench-synthesis.sh [participants] [contributions] [votes] [new votes]
#   Benchmarks/scripts/bench-synthesis.sh                       # 200000 1000000 10000000 10000
#   Benchmarks/scripts/bench-synthesis.sh 20000 100000 1000000  # a tenth
#
# Needs a release build: swift build -c release --product contribuez (from the repository root).
set -euo pipefail
cd "$(dirname "$0")/../.."
P=${1:-200000}
C=${2:-1000000}
V=${3:-10000000}
N=${4:-10000}
BIN=${CONTRIBUEZ_BIN:-.build/release/contribuez}
DIR=${BENCH_DIR:-/tmp/bench-synthesis}
DB="$DIR/synthesis-$P-$C-$V.sqlite"
mkdir -p "$DIR"

measure() { # label, command…
    local label=$1; shift
    echo "== $label"
    /usr/bin/time -v "$@" 2> "$DIR/time-$label.txt"
    grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$DIR/time-$label.txt" | sed 's/^\s*/   /'
}

if [ ! -f "$DB" ]; then
    rm -f "$DB" "$DB-wal" "$DB-shm"
    measure generate "$BIN" demo generate --database "$DB" --participants "$P" --contributions "$C" --votes "$V" --sessions 0
fi
ID=$(sqlite3 "$DB" "SELECT MAX(id) FROM consultations")
ls -la "$DB" | awk '{print "   database: " $5 / 1048576 " MB"}'
measure full "$BIN" analyze consultation "$ID" --database "$DB" --incremental
measure vote "$BIN" demo vote "$ID" --database "$DB" --votes "$N"
measure incremental "$BIN" analyze consultation "$ID" --database "$DB" --incremental
