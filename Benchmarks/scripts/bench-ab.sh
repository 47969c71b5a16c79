#!/usr/bin/env bash
# A/B of one page between two release binaries on copies of the same database, alternating runs, so a
# change is measured under the same machine load. Loopback only; wrk runs are bounded in time.
#
#   Benchmarks/scripts/bench-ab.sh BEFORE_BIN AFTER_BIN DATABASE PATH [DURATION_SECONDS] [ROUNDS]
#
# NB: a binary reads its templates from `contribuez_ContribuezWeb.resources` beside it, else from the build
# directory it was built in; copy each binary with its own resources directory before comparing two builds
# of the same scratch path.
set -u
before=$1; after=$2; db=$3; path=$4; duration=${5:-5}; rounds=${6:-2}
for round in $(seq 1 "$rounds"); do
  for bin in "$before" "$after"; do
    w=$(mktemp -d); cp "$db" "$w/b.sqlite"; port=18$((RANDOM % 900 + 100))
    "$bin" serve --database "$w/b.sqlite" --port "$port" --synthesis-every 0 > "$w/log" 2>&1 & pid=$!
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
    sleep 2; curl -s "http://127.0.0.1:$port$path" > /dev/null
    size=$(curl -s "http://127.0.0.1:$port$path" | wc -c)
    r=$(wrk -t2 -c32 -d"${duration}s" --latency "http://127.0.0.1:$port$path")
    echo "$bin round $round: $(echo "$r" | awk '/Requests\/sec/ {print $2}') req/s, p50 $(echo "$r" | awk '$1=="50%" {print $2}'), p99 $(echo "$r" | awk '$1=="99%" {print $2}'), $size bytes $(echo "$r" | grep -i non-2xx)"
    kill $pid; wait $pid 2>/dev/null; rm -rf "$w"
  done
done
