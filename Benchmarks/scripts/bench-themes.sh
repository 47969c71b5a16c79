#!/usr/bin/env bash
# Themes of free text: ours (Themes.analyze) vs scikit-learn on the same documents, then ours at scale.
#
#   Benchmarks/scripts/bench-themes.sh [SEEDS] [SIZES]
#
# 1. builds bench-themes in release (scratch path outside the repo);
# 2. makes a virtualenv with scikit-learn from PyPI (never system-wide);
# 3. République numérique 2015 citizen proposals (title + body, 18 sections) and Decide Madrid
#    comments (80 proposals): ours with k = number of true classes and with k chosen by
#    silhouette, seeds 1…SEEDS (default 3); it writes the exact documents, which the
#    scikit-learn script then clusters (TF-IDF + KMeans, LSA + KMeans, TF-IDF + NMF) with the same k;
# 4. ours alone on synthetic planted-topic texts of each size in SIZES (default "100000 1000000"),
#    under /usr/bin/time -v;
# 5. writes Benchmarks/results/themes.md.
# Runs under `nice` (BENCH_NICE="" runs at normal priority); a benchmark, not a test: never run in CI.
set -euo pipefail

SEEDS=${1:-3}
SIZES=${2:-"100000 1000000"}
HERE=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=${BENCH_SCRATCH:-/tmp/bench-build-themes}
VENV=${BENCH_VENV:-/tmp/venv-themes}
WORK=$(mktemp -d /tmp/bench-themes.XXXXXX)
OUT="$HERE/results/themes.md"
NICE=${BENCH_NICE-nice}
DATA=${CONTRIBUEZ_SHARED_DATA:-$(cd "$HERE/../.." && pwd)/shared/data}

cd "$HERE"
if [ -n "${BENCH_BIN:-}" ]; then
    BIN=$BENCH_BIN
else
    nice swift build -c release --scratch-path "$SCRATCH" --product bench-themes >/dev/null
    BIN="$SCRATCH/release/bench-themes"
fi

if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q scikit-learn

echo "== ours, seeds 1…$SEEDS"
$NICE "$BIN" --data "$DATA" --seeds "$SEEDS" --write-input "$WORK/input.jsonl" | tee "$WORK/runs.jsonl" | cut -c1-160
echo "== scikit-learn, seeds 1…$SEEDS"
$NICE "$VENV/bin/python" "$HERE/scripts/bench_themes_sklearn.py" --input "$WORK/input.jsonl" --seeds "$SEEDS" \
    | tee -a "$WORK/runs.jsonl" | cut -c1-160
for n in $SIZES; do
    echo "== ours, $n synthetic texts"
    $NICE /usr/bin/time -v "$BIN" --synthetic "$n" >"$WORK/synthetic-$n.json" 2>"$WORK/synthetic-$n.time"
    cat "$WORK/synthetic-$n.json"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
SKL=$("$VENV/bin/python" -c 'import sklearn; print(sklearn.__version__)')
mkdir -p "$HERE/results"
python3 - "$WORK" "$SIZES" >"$WORK/tables.md" <<'PY'
import json, re, statistics, sys
work, sizes = sys.argv[1], sys.argv[2].split()
runs = [json.loads(l) for l in open(f"{work}/runs.jsonl") if l.strip()]
names = {"republique-numerique-proposals": "République numérique 2015 proposals → section",
         "decide-madrid-comments": "Decide Madrid comments → proposal"}
rows = [("ours", "true-k", "ours: TF-IDF (stems + bigrams) → LSA 100 → spherical k-means, k = classes"),
        ("ours", "auto-k", "ours: same, k chosen by silhouette (2…30)"),
        ("sklearn-kmeans", "no-stop-words", "scikit-learn TF-IDF + KMeans"),
        ("sklearn-kmeans", "our-stop-words", "scikit-learn TF-IDF (our stop words) + KMeans"),
        ("sklearn-lsa-kmeans", "no-stop-words", "scikit-learn TF-IDF + LSA 100 + KMeans"),
        ("sklearn-lsa-kmeans", "our-stop-words", "scikit-learn TF-IDF (our stop words) + LSA 100 + KMeans"),
        ("sklearn-nmf", "no-stop-words", "scikit-learn TF-IDF + NMF"),
        ("sklearn-nmf", "our-stop-words", "scikit-learn TF-IDF (our stop words) + NMF")]
def fmt(xs):
    m = statistics.mean(xs)
    return f"{m:.3f}" if len(xs) == 1 else f"{m:.3f} ({min(xs):.3f}–{max(xs):.3f})"
for ds, title in names.items():
    sub = [r for r in runs if r["dataset"] == ds]
    first = sub[0]
    print(f"\n**{title}** — {first['documents']} texts, {first['classes']} classes\n")
    print("| method | k | NMI mean (min–max) | ARI mean (min–max) | runs | time per run |")
    print("|---|---|---|---|---|---|")
    for method, mode, label in rows:
        rs = [r for r in sub if r["method"] == method and r["mode"] == mode]
        if not rs:
            continue
        ks = sorted({r["k"] for r in rs})
        k = str(ks[0]) if len(ks) == 1 else ", ".join(map(str, [r["k"] for r in rs]))
        print(f"| {label} | {k} | {fmt([r['nmi'] for r in rs])} | {fmt([r['ari'] for r in rs])} | {len(rs)} | {statistics.mean(r['seconds'] for r in rs):.1f} s |")
    un = [r for r in sub if r["method"] == "ours"][0]["unassigned"]
    if un:
        print(f"\nOurs leaves {un} texts without a known word unassigned; they count as one extra group in NMI/ARI.")
print("\n**Example themes (ours, République numérique, k = 18, seed 1)**, with the section most of their members were filed under:\n")
print("| label | texts | majority section |")
print("|---|---|---|")
ex = [r for r in runs if r["dataset"] == "republique-numerique-proposals" and r["method"] == "ours" and r["mode"] == "true-k" and r["seed"] == 1][0]
for t in ex["labels"]:
    print(f"| {t['label']} | {t['size']} | {t['majority']} |")
print("\n**Scale (ours, synthetic planted-topic texts, default options: sample 30,000, k by silhouette)**\n")
print("| texts | analyze wall | analyze CPU | peak RSS (whole process) | RSS after generating the texts | k (planted) | ARI vs planted |")
print("|---|---|---|---|---|---|---|")
for n in sizes:
    r = json.load(open(f"{work}/synthetic-{n}.json"))
    t = open(f"{work}/synthetic-{n}.time").read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    print(f"| {int(n):,} | {r['seconds']:.0f} s | {r['cpu_seconds']:.0f} s | {rss:.0f} MB | {r['rss_after_generation_mb']:.0f} MB | {r['k']} ({r['planted']}) | {r['ari']:.3f} |")
PY

cat >"$OUT" <<EOF2
## Themes of free text (\`bench-themes\`) vs scikit-learn

Each text is clustered **without** its class; NMI (arithmetic normalisation, as scikit-learn's
default) and ARI compare the groups found with the class each text was filed under. Same
documents and same k for every method, in one run of \`scripts/bench-themes.sh\`; several seeds,
mean and range shown. scikit-learn $SKL: \`TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5,
strip_accents="unicode")\`, \`KMeans(n_init=10)\`, \`TruncatedSVD(100)\` + \`Normalizer\`,
\`NMF(init="nndsvda")\` (deterministic, one run). Ours: \`Themes.analyze\` with default options
(Snowball stems, stop words, bigrams, min_df 2, max_df 0.5, LSA 100 dimensions, spherical k-means, 5 restarts).
Machine: $(nproc) cores ($cpu), shared${NICE:+, runs under \`nice\`}; load average at the end $(cut -d' ' -f1-3 /proc/loadavg).
$(cat "$WORK/tables.md")

Reproduce: \`Benchmarks/scripts/bench-themes.sh $SEEDS "$SIZES"\` (from the repository root; needs
\`../shared/data\` or \`CONTRIBUEZ_SHARED_DATA\`, and PyPI for scikit-learn).
EOF2
echo "wrote $OUT"
