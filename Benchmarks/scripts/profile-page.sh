#!/usr/bin/env bash
# Where a page's time goes: the release server under callgrind (instruction counts, repeatable whatever
# else the machine does), N requests to one page, then the functions with the most inclusive cost.
#
#   Benchmarks/scripts/profile-page.sh [REQUESTS] [PATH]     (default: 200 requests of RN article 9)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-200}
data=${CONTRIBUEZ_SHARED_DATA:-$(cd .. && pwd)/shared/data}
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
if [ -z "${CONTRIBUEZ_BIN:-}" ]; then
  swift build -c release --scratch-path .build-release --product contribuez >/dev/null
  CONTRIBUEZ_BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/contribuez"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/rn.sqlite"
"$CONTRIBUEZ_BIN" import republique-numerique "$data/republique-numerique-2015" --database "$db" >/dev/null
article=$(sqlite3 "$db" "SELECT id FROM articles WHERE consultation_id = 1 ORDER BY position LIMIT 1 OFFSET 8")
path=${2:-/articles/$article}
port=18$((RANDOM % 900 + 100))
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$CONTRIBUEZ_BIN" serve --database "$db" --port "$port" --synthesis-every 0 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
curl -s "http://127.0.0.1:$port$path" >/dev/null   # warm-up (caches, first renders)
for _ in $(seq 1 "$n"); do curl -s "http://127.0.0.1:$port$path" >/dev/null; done
kill -INT $server; wait $server 2>/dev/null || true
echo "callgrind, $n requests of $path (inclusive instruction share, top 25):"
callgrind_annotate --inclusive=yes "$work/cg.out" 2>/dev/null | grep -v "^-" | sed -n '1,60p' | grep -E "^ *[0-9,]+ \(" | head -25 | sed -E 's/\$s[0-9A-Za-z_]+/…/g' | cut -c1-160
