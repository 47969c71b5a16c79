#!/usr/bin/env bash
# PostgreSQL rows of the load benchmark (issue 11, point 6): the République numérique import and the demo's
# signed-in voters copied from SQLite to a throwaway PostgreSQL cluster (scripts/with-postgres), then served by
# one node and by two nodes at once (two wrk processes, one per node, summed), beside the SQLite node and the
# /health ceiling of the same run. Loopback only; every wrk run is bounded in time. Writes Benchmarks/results/postgres.md.
#
#   scripts/with-postgres Benchmarks/scripts/bench-postgres.sh [DURATION_SECONDS]     (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-5}
: "${CONTRIBUEZ_TEST_POSTGRES_URL:?run under scripts/with-postgres}"
data=${CONTRIBUEZ_SHARED_DATA:-$(cd .. && pwd)/shared/data}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [ -z "${CONTRIBUEZ_BIN:-}" ]; then
  swift build -c release --scratch-path .build-release --product contribuez >/dev/null
  CONTRIBUEZ_BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/contribuez"
fi
bin=$CONTRIBUEZ_BIN
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
lua="$(pwd)/Benchmarks/scripts/wrk"

# SQLite source: the RN import, plus 1,000 participants with sessions (demo generate writes them).
src="$work/src.sqlite"
"$bin" import republique-numerique "$data/republique-numerique-2015" --database "$src" >/dev/null
"$bin" demo generate --database "$src" --participants 1000 --contributions 0 --votes 0 --sessions 1000 --tokens-file "$work/tokens" >/dev/null
article=$(sqlite3 "$src" "SELECT id FROM articles WHERE consultation_id = 1 ORDER BY position LIMIT 1 OFFSET 8")
articles=$(sqlite3 "$src" "SELECT group_concat(id) FROM articles WHERE consultation_id = 1")

# A fresh PostgreSQL database, filled by `contribuez copy`.
db="bench_$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
admin=$CONTRIBUEZ_TEST_POSTGRES_URL
psql "$admin" -qAt -c "CREATE DATABASE $db" >/dev/null
pg=$(python3 -c "import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/$db')))" "$admin")
"$bin" copy --from "$src" --to "$pg" >/dev/null

start() {  # database port
  # NB: rate limits (issue 13) off for the load runs, on binaries that have them.
  "$bin" serve --database "$1" --port "$2" --synthesis-every 0 $("$bin" serve --help 2>&1 | grep -q -- --no-rate-limits && echo --no-rate-limits) >"$work/serve-$2.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$2/health" >/dev/null && return; sleep 0.2; done
  echo "server did not start" >&2; cat "$work/serve-$2.log" >&2; exit 1
}
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
# One or two wrk runs at once (one per port): prints "rps p50 p99" (rps summed; latencies of the first).
run() {  # path connections script ports...
  local path=$1 conns=$2 script=$3; shift 3
  local i=0 loads=()
  for port in "$@"; do
    if [ -n "$script" ]; then
      TOKENS="$work/tokens" ARTICLES="$articles" CONSULTATION=1 wrk -t1 -c"$conns" -d"${duration}s" --latency -s "$script" "http://127.0.0.1:$port$path" >"$work/wrk-$i" &
    else
      wrk -t1 -c"$conns" -d"${duration}s" --latency "http://127.0.0.1:$port$path" >"$work/wrk-$i" &
    fi
    loads+=($!)
    i=$((i + 1))
  done
  # NB: wait for the wrk processes only (the servers are children of this shell too).
  for l in "${loads[@]}"; do wait "$l"; done
  python3 - "$work" "$i" <<'PY'
import re, sys
work, n = sys.argv[1], int(sys.argv[2])
rps, p50, p99 = 0.0, None, None
for k in range(n):
    text = open(f"{work}/wrk-{k}").read()
    rps += float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    if p50 is None:
        p50 = re.search(r"50%\s+(\S+)", text).group(1); p99 = re.search(r"99%\s+(\S+)", text).group(1)
print(f"{rps:.1f} {p50} {p99}")
PY
}

rows() {  # label ports...
  local label=$1; shift
  local ceiling rps p50 p99
  read -r ceiling p50 p99 <<<"$(run /health 32 "" "$@")"
  echo "| $label | \`/health\` (ceiling) | $ceiling | $p50 | $p99 | 1.000 |"
  for row in "article page|/articles/$article" "consultation page|/consultations/1" "API article read|/api/v1/articles/$article"; do
    read -r rps p50 p99 <<<"$(run "${row#*|}" 32 "" "$@")"
    echo "| $label | ${row%%|*} | $rps | $p50 | $p99 | $(python3 -c "print(f'{$rps/$ceiling:.3f}')") |"
  done
  read -r rps p50 p99 <<<"$(run / 64 "$lua/votes.lua" "$@")"
  echo "| $label | signed-in votes, 1,000 participants (durable) | $rps | $p50 | $p99 | $(python3 -c "print(f'{$rps/$ceiling:.3f}')") |"
}

results=()
p1=18$((RANDOM % 900 + 100)); start "$src" "$p1"; results+=("$(rows "SQLite, one node" "$p1")"); stop_all
p1=18$((RANDOM % 900 + 100)); start "$pg" "$p1"; results+=("$(rows "PostgreSQL, one node" "$p1")"); stop_all
p1=18$((RANDOM % 900 + 100)); p2=19$((RANDOM % 900 + 100)); start "$pg" "$p1"; start "$pg" "$p2"
results+=("$(rows "PostgreSQL, two nodes" "$p1" "$p2")"); stop_all
psql "$admin" -qAt -c "DROP DATABASE $db" >/dev/null || true

out=Benchmarks/results/postgres.md
{
  echo "## PostgreSQL: one node and two nodes beside SQLite (\`bench-postgres\`)"
  echo
  echo "Release build; data: the République numérique import (article 9: 132 arguments) and 1,000 signed-in participants,"
  echo "copied to PostgreSQL $(psql "$admin" -qAt -c 'SHOW server_version') (\`contribuez copy\`), a throwaway cluster on the same machine"
  echo "(\`synchronous_commit=on\`). wrk: one process per node, 1 thread, 32 connections for reads and 64 for votes per node,"
  echo "${duration} s per row, summed over the nodes; everything (PostgreSQL, the nodes, wrk) shares the machine's $(nproc) cores."
  echo
  echo "| backend, nodes | row | requests/s | p50 | p99 | ratio to ceiling |"
  echo "|---|---|---:|---:|---:|---:|"
  printf '%s\n' "${results[@]}"
  echo
  echo "Reproduce: \`scripts/with-postgres Benchmarks/scripts/bench-postgres.sh $duration\` (release build in \`.build-release\`)."
} | tee "$out"
