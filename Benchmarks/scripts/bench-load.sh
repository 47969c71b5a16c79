#!/usr/bin/env bash
# Load benchmark (issue 10): the product's release build on embedded SQLite, each row side by side with
# the ceiling of the same server in the same run (/health: routing and middleware, no database, no
# template), as requests/s, p50, p99 and ratio to the ceiling. Data: the demo (with 1,000 signed-in
# participants), the République numérique import, and a large generated consultation.
# Loopback only; every wrk run is bounded in time. Writes Benchmarks/results/load.md.
#
#   Benchmarks/scripts/bench-load.sh [DURATION_SECONDS] [PARTICIPANTS CONTRIBUTIONS VOTES]
#   e.g. Benchmarks/scripts/bench-load.sh 10 20000 200000 2000000            (from the repository root)
# CONTRIBUEZ_BIN: the binary to measure (default: a release build in .build-release);
# BEFORE_BIN: an older binary measured in the same run on the demo and the import, for a before/after table.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
large_p=${2:-20000}; large_n=${3:-200000}; large_m=${4:-2000000}
data=${CONTRIBUEZ_SHARED_DATA:-$(cd .. && pwd)/shared/data}
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v sqlite3 >/dev/null || need+=(sqlite3)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; fi

if [ -z "${CONTRIBUEZ_BIN:-}" ]; then
  swift build -c release --scratch-path .build-release --product contribuez >/dev/null
  CONTRIBUEZ_BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/contribuez"
fi
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
lua="$(pwd)/Benchmarks/scripts/wrk"

start() {  # bin db port
  "$1" serve --database "$2" --port "$3" --synthesis-every 0 --bcrypt-cost 4 $(limits_off "$1") >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$3/health" >/dev/null && return; sleep 0.2; done
  echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; }
# Rate limits (issue 13) off for the load runs, on binaries that have them (BEFORE_BIN may be older).
limits_off() { "$1" serve --help 2>&1 | grep -q -- --no-rate-limits && echo --no-rate-limits || true; }

# One wrk run: prints "rps p50 p99".
run() {  # url connections [script]
  local out
  if [ -n "${3:-}" ]; then out=$(wrk -t2 -c"$2" -d"${duration}s" --latency -s "$3" "$1"); else out=$(wrk -t2 -c"$2" -d"${duration}s" --latency "$1"); fi
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1=="50%" {print $2}') $(echo "$out" | awk '$1=="99%" {print $2}')"
}
ratio() { python3 -c "print(f'{$1/$2:.3f}')"; }

# Accounts and sessions through the API (works on every version): prints one token per line.
accounts() {  # port count prefix
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys, urllib.request
port, n, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def call(path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())
for i in range(n):
    email = f"{prefix}{i}@bench.invalid"
    call("/accounts", {"email": email, "password": "banc d'essai 2026", "displayName": f"B{i}", "kind": "citizen"})
    print(call("/sessions", {"email": email, "password": "banc d'essai 2026"})["token"])
PY
}

rows() {  # label bin db consultation article tokens(optional)
  local port=18$((RANDOM % 900 + 100))
  start "$2" "$3" "$port"
  local base="http://127.0.0.1:$port" articles ceiling p50 p99 rps
  articles=$(sqlite3 "$3" "SELECT group_concat(id) FROM articles WHERE consultation_id = $4")
  read -r ceiling p50 p99 <<<"$(run "$base/health" 32)"
  echo "| $1 | \`/health\` (ceiling) | $ceiling | $p50 | $p99 | 1.000 |"
  for row in "article page|/articles/$5" "consultation page|/consultations/$4" "API article read|/api/v1/articles/$5"; do
    read -r rps p50 p99 <<<"$(run "$base${row#*|}" 32)"
    echo "| $1 | ${row%%|*} (\`${row#*|}\`) | $rps | $p50 | $p99 | $(ratio "$rps" "$ceiling") |"
  done
  if [ -n "${6:-}" ]; then
    read -r rps p50 p99 <<<"$(TOKENS="$6" ARTICLES="$articles" run "$base/" 64 "$lua/votes.lua")"
    echo "| $1 | signed-in votes from $(wc -l <"$6") participants (durable) | $rps | $p50 | $p99 | $(ratio "$rps" "$ceiling") |"
    read -r rps p50 p99 <<<"$(TOKENS="$6" ARTICLES="$articles" CONSULTATION="$4" run "$base/" 64 "$lua/mix.lua")"
    echo "| $1 | mix: 90 % reads, 10 % votes | $rps | $p50 | $p99 | $(ratio "$rps" "$ceiling") |"
  fi
  stop
}

# The demo with 1,000 signed-in participants, prepared by the binary under test.
demo() {  # bin dir
  local db="$2/demo.sqlite" port=18$((RANDOM % 900 + 100))
  "$1" serve --demo --database "$db" --port "$port" --synthesis-every 0 --bcrypt-cost 4 $(limits_off "$1") >"$work/serve.log" 2>&1 & server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  accounts "$port" 1000 "b" > "$2/tokens"
  stop
}

results=()
for which in before after; do
  if [ "$which" = before ]; then bin=${BEFORE_BIN:-}; else bin=$CONTRIBUEZ_BIN; fi
  [ -n "$bin" ] || continue
  dir="$work/$which"; mkdir -p "$dir"
  demo "$bin" "$dir"
  demo_article=$(sqlite3 "$dir/demo.sqlite" "SELECT id FROM articles WHERE consultation_id = 1 ORDER BY position LIMIT 1")
  results+=("$(rows "$which, demo" "$bin" "$dir/demo.sqlite" 1 "$demo_article" "$dir/tokens")")
  if [ -d "$data/republique-numerique-2015" ]; then
    "$bin" import republique-numerique "$data/republique-numerique-2015" --database "$dir/rn.sqlite" >/dev/null
    # Article 9 (132 arguments) is the 9th article of the import.
    rn_article=$(sqlite3 "$dir/rn.sqlite" "SELECT id FROM articles WHERE consultation_id = 1 ORDER BY position LIMIT 1 OFFSET 8")
    results+=("$(rows "$which, République numérique" "$bin" "$dir/rn.sqlite" 1 "$rn_article")")
  fi
done

large="$work/large.sqlite"
started=$(date +%s.%N)
"$CONTRIBUEZ_BIN" demo generate --database "$large" --participants "$large_p" --contributions "$large_n" --votes "$large_m" \
  --sessions $(( large_p < 2000 ? large_p : 2000 )) --tokens-file "$work/large-tokens" >/dev/null
generated=$(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')")
large_article=$(sqlite3 "$large" "SELECT a.id FROM articles a JOIN contributions c ON c.article_id = a.id WHERE a.consultation_id = 1 GROUP BY a.id ORDER BY COUNT(*) DESC LIMIT 1")
large_contributions=$(sqlite3 "$large" "SELECT COUNT(*) FROM contributions WHERE article_id = $large_article")
results+=("$(rows "after, generated" "$CONTRIBUEZ_BIN" "$large" 1 "$large_article" "$work/large-tokens")")

out=Benchmarks/results/load.md
{
  echo "## Load benchmark (\`bench-load\`)"
  echo
  echo "Release builds, embedded SQLite (WAL, \`synchronous=FULL\`), one process; wrk with 2 threads on loopback, ${duration} s per row,"
  echo "32 connections for reads, 64 for votes and the mix; the server and wrk share the machine's $(nproc) cores. Ratio: requests/s"
  echo "over the \`/health\` ceiling of the same server in the same run. Demo: 6 articles, 1,000 signed-in participants. République"
  echo "numérique: article 9 (132 arguments). Generated: \`demo generate\` with $large_p participants, $large_n contributions and $large_m"
  echo "votes, written in $generated s; its busiest article holds $large_contributions contributions; votes from 2,000 signed-in participants."
  [ -n "${BEFORE_BIN:-}" ] && echo "\"before\" is \`$BEFORE_BIN\`, measured in the same run."
  echo
  echo "| binary, data | row | requests/s | p50 | p99 | ratio to ceiling |"
  echo "|---|---|---:|---:|---:|---:|"
  printf '%s\n' "${results[@]}"
  echo
  echo "Reproduce: \`[BEFORE_BIN=path/to/old/contribuez] Benchmarks/scripts/bench-load.sh $duration $large_p $large_n $large_m\`"
  echo "(builds the product in release in \`.build-release\`; installs wrk and sqlite3 if missing; needs \`../shared/data\` for the import rows)."
} | tee "$out"
