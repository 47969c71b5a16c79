#!/usr/bin/env bash
# Web throughput of the product (release build, embedded SQLite) on real data, each page side by side
# with the ceiling of the same server in the same run: /health (routing, middleware, no database, no template).
# Loopback only; every wrk run is bounded in time. Writes Benchmarks/results/web.md.
#
#   Benchmarks/scripts/bench-web.sh [DURATION_SECONDS]      (from the repository root; needs ../shared/data)
#
# CONTRIBUEZ_BIN=path/to/contribuez uses that binary instead of building (e.g. a release build made with
# `swift build -c release --scratch-path .build-release --product contribuez`, or an older one to compare);
# CONTRIBUEZ_BENCH_OUT=file writes the table there instead of Benchmarks/results/web.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
data=${CONTRIBUEZ_SHARED_DATA:-$(cd .. && pwd)/shared/data}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

if [ -n "${CONTRIBUEZ_BIN:-}" ]; then
  bin=$CONTRIBUEZ_BIN
else
  swift build -c release --product contribuez >/dev/null
  bin="$(swift build -c release --show-bin-path)/contribuez"
fi
work=$(mktemp -d)
db="$work/bench.sqlite"
"$bin" import republique-numerique "$data/republique-numerique-2015" --database "$db" >/dev/null
"$bin" import polis "$data/polis-opendata/vtaiwan.uberx" --database "$db" >/dev/null
"$bin" analyze consultation 1 --database "$db" >/dev/null
"$bin" analyze consultation 2 --database "$db" >/dev/null
port=18$((RANDOM % 900 + 100))
"$bin" serve --database "$db" --port "$port" --synthesis-every 0 >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

# Article 9 (the most contested, 132 arguments) is the 9th article of consultation 1.
article=$(curl -sf "http://127.0.0.1:$port/api/v1/consultations/1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([a["id"] for s in d["sections"] for a in s["articles"]][8])')
out=${CONTRIBUEZ_BENCH_OUT:-Benchmarks/results/web.md}
{
  echo "## Web pages under load (\`bench-web\`)"
  echo
  echo "Release build, embedded SQLite (WAL), one process; data: the République numérique import (30 articles,"
  echo "666 proposals, 3,994 arguments) and the vTaiwan Polis import (49,997 votes), syntheses stored. wrk, 2 threads,"
  echo "32 connections, ${duration} s per row, on loopback; the server and wrk share the machine's 2 cores."
  echo "Ceiling: \`/health\` on the same server in the same run (routing and middleware, no database, no template)."
  echo
  echo "| page | requests/s | p50 | p99 | bytes/response |"
  echo "|---|---:|---:|---:|---:|"
  for path in /health /consultations/1 "/articles/$article" /consultations/1/proposals "/api/v1/articles/$article" /consultations/2/synthese "/articles/$article/synthese"; do
    size=$(curl -s "http://127.0.0.1:$port$path" | wc -c)
    r=$(wrk -t2 -c32 -d"${duration}s" --latency "http://127.0.0.1:$port$path")
    rps=$(echo "$r" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$r" | awk '$1=="50%" {print $2}')
    p99=$(echo "$r" | awk '$1=="99%" {print $2}')
    echo "| \`$path\` | $rps | $p50 | $p99 | $size |"
  done
  echo
  echo "Reproduce: \`Benchmarks/scripts/bench-web.sh $duration\` (builds the product in release, installs wrk if missing)."
} > "$out"
cat "$out"
