#!/usr/bin/env bash
# Templates benchmark (issue 10, point 2): the article page of République numérique article 9 rendered by
# swift-mustache alone, by the current product (mustache skeleton + HTMLWriter rows) and by JohnSundell/Plot,
# from the same precomputed view data, in one process. Writes Benchmarks/results/templates.md.
#   usage: Benchmarks/scripts/bench-templates.sh [ITERATIONS] [RUNS]      (defaults 1000 and 5; needs ../shared/data)
# Env: BENCH_TEMPLATES_BUILD (scratch path, default Benchmarks/.build-bench),
#      CONTRIBUEZ_SHARED_DATA (default ../shared/data beside the repository).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
iterations="${1:-1000}"
runs="${2:-5}"
build="${BENCH_TEMPLATES_BUILD:-$here/.build-bench}"
data="${CONTRIBUEZ_SHARED_DATA:-$(cd "$root/.." && pwd)/shared/data}"

echo "== building bench-templates (release)" >&2
swift build -c release --package-path "$here" --scratch-path "$build" --product bench-templates >&2
mkdir -p "$here/results"
"$build/release/bench-templates" --iterations "$iterations" --runs "$runs" --root "$root" \
    --data "$data/republique-numerique-2015" --out "$here/results/templates.md" \
    --command "Benchmarks/scripts/bench-templates.sh $iterations $runs"
