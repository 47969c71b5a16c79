#!/usr/bin/env bash
# Near-duplicate detection: our DuplicateDetector vs datasketch MinHashLSH.
#
#   Benchmarks/scripts/bench-duplicates.sh [SIDE_BY_SIDE_SIZE] [LARGE_SIZE]
#
# 1. builds bench-duplicates in release (scratch path outside the repo);
# 2. makes a virtualenv with datasketch from PyPI (never system-wide);
# 3. side by side on the same SIDE_BY_SIDE_SIZE texts (default 50,000): ours, then
#    datasketch (128 permutations, character 5-grams of our normal forms, Jaccard 0.7),
#    with the agreement between the two;
# 4. ours alone on LARGE_SIZE texts (default 1,000,000);
# 5. writes Benchmarks/results/duplicates.md.
# Runs under `nice`; a benchmark, not a test: never run in CI.
set -euo pipefail

SMALL=${1:-50000}
LARGE=${2:-1000000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=${BENCH_SCRATCH:-/tmp/bench-build-duplicates}
VENV=${BENCH_VENV:-/tmp/venv-duplicates}
WORK=$(mktemp -d /tmp/bench-duplicates.XXXXXX)
OUT="$HERE/results/duplicates.md"
export CONTRIBUEZ_SHARED_DATA=${CONTRIBUEZ_SHARED_DATA:-$(cd "$HERE/../.." && pwd)/shared/data}

cd "$HERE"
# BENCH_BIN: a bench-duplicates binary built elsewhere (e.g. while another module file is mid-edit).
if [ -n "${BENCH_BIN:-}" ]; then
    BIN=$BENCH_BIN
else
    nice swift build -c release --scratch-path "$SCRATCH" --product bench-duplicates >/dev/null
    BIN="$SCRATCH/release/bench-duplicates"
fi

if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q datasketch
DS_VERSION=$("$VENV/bin/python" -c 'import datasketch; print(datasketch.__version__)')

echo "== ours, $SMALL texts"
nice "$BIN" --size "$SMALL" --write-csv "$WORK/corpus.csv" --write-clusters "$WORK/ours.json" | tee "$WORK/ours-small.txt"
echo "== datasketch $DS_VERSION, $SMALL texts"
nice "$VENV/bin/python" "$HERE/scripts/bench_duplicates_datasketch.py" --csv "$WORK/corpus.csv" --ours "$WORK/ours.json" \
    | tee "$WORK/ds.json"
echo "== ours, $LARGE texts"
nice "$BIN" --size "$LARGE" | tee "$WORK/ours-large.txt"

# Pull figures out of the two outputs.
ours_s=$(grep -o 'detect: [0-9.]* s' "$WORK/ours-small.txt" | grep -o '[0-9.]*')
ours_cpu=$(grep -o '[0-9.]* s CPU' "$WORK/ours-small.txt" | grep -o '^[0-9.]*')
large_cpu=$(grep -o '[0-9.]* s CPU' "$WORK/ours-large.txt" | grep -o '^[0-9.]*')
ours_mb=$(grep -o 'peak RSS [0-9]* MB' "$WORK/ours-small.txt" | grep -o '[0-9]*')
large_s=$(grep -o 'detect: [0-9.]* s' "$WORK/ours-large.txt" | grep -o '[0-9.]*')
large_mb=$(grep -o 'peak RSS [0-9]* MB' "$WORK/ours-large.txt" | grep -o '[0-9]*')
ds() { "$VENV/bin/python" -c "import json,sys; print(json.load(open('$WORK/ds.json'))['$1'])"; }
ratio=$(python3 -c "print(round($(ds seconds) / $ours_s, 1))")
cpu_ratio=$(python3 -c "print(round($(ds cpu_seconds) / $ours_cpu, 1))")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)

mkdir -p "$HERE/results"
cat >"$OUT" <<EOF
## Near-duplicate and campaign detection (\`bench-duplicates\`)

Synthetic consultation: organic-like texts recombined from the République numérique
arguments and Decide Madrid comments (2–5 real sentences, 30 % of words replaced by words
drawn from the same corpus) and 10 % planted campaigns (FCC 17-108 form letters and 200
French arguments as templates, Zipf-sized, copies with salutation/signature changes,
punctuation, one or two words inserted/removed/replaced). Seeded, so every run sees the
same texts. Ours: normalisation + exact-duplicate hashing + one-permutation MinHash (128
bins, optimal densification) on character 5-grams + LSH 32 × 4 + exact Jaccard ≥ 0.7
verification + union-find, one thread. datasketch $DS_VERSION: MinHash 128 permutations on the
character 5-grams of **our normal forms** (same shingles), MinHashLSH(threshold 0.7),
clusters = connected components of its candidates (it does not verify them). Wall time of
the detection only (not the data generation); peak RSS = VmHWM / ru_maxrss of the whole
process. Machine: $(nproc) cores ($cpu), shared, runs under \`nice\`.

| texts | tool | wall time | CPU time | peak RSS |
|---|---|---|---|---|
| $SMALL | ours (Swift, release) | ${ours_s} s | ${ours_cpu} s | ${ours_mb} MB |
| $SMALL | datasketch MinHashLSH | $(ds seconds) s | $(ds cpu_seconds) s | $(ds peak_rss_mb) MB |
| $LARGE | ours (Swift, release) | ${large_s} s | ${large_cpu} s | ${large_mb} MB |

datasketch / ours time ratio at $SMALL texts: **${ratio}×** wall, **${cpu_ratio}×** CPU.

Agreement at $SMALL texts (ours measured against datasketch as reference):

| measure | value |
|---|---|
| texts in a cluster: ours / datasketch / both | $(ds texts_clustered_ours) / $(ds texts_clustered_ds) / $(( $(ds texts_clustered_ours) - $(ds only_ours_texts) )) |
| membership precision / recall (ours vs datasketch) | $(ds membership_precision_ours_vs_ds) / $(ds membership_recall_ours_vs_ds) |
| co-clustered pairs: ours / datasketch / both | $(ds pairs_ours) / $(ds pairs_ds) / $(ds pairs_both) |
| pair precision / recall (ours vs datasketch) | $(ds pair_precision_ours_vs_ds) / $(ds pair_recall_ours_vs_ds) |
| texts only datasketch clusters: sampled / with a candidate at exact Jaccard ≥ 0.7 | $(ds only_ds_sampled) of $(ds only_ds_texts) / $(ds only_ds_sampled_with_exact_j_at_threshold) |
| planted-campaign recall / precision: datasketch | $(ds ds_planted_recall) / $(ds ds_planted_precision) |

Ours, $SMALL texts:
\`\`\`
$(cat "$WORK/ours-small.txt")
\`\`\`
Ours, $LARGE texts:
\`\`\`
$(cat "$WORK/ours-large.txt")
\`\`\`

Load average when this file was written: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) on $(nproc) cores.
Wall time depends on how busy the machine is; CPU time is the figure to compare between runs.

Reproduce: \`Benchmarks/scripts/bench-duplicates.sh $SMALL $LARGE\` (from the repository root; needs
\`../shared/data\` or \`CONTRIBUEZ_SHARED_DATA\`, and PyPI for datasketch).
EOF
echo "wrote $OUT"
