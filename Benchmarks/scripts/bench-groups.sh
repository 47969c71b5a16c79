#!/usr/bin/env bash
# Opinion groups (Polis-style) — ours (OpinionGroups, Swift) side by side with red-dwarf 0.4.0
# (the Python reimplementation of the Polis math), on the same data:
#   1. every Polis openData conversation that has participants-votes.csv: ours one-shot, ours with
#      the vote history of votes.csv replayed (one Polis update per 1-second window with votes,
#      WINDOW_MS to change it), red-dwarf, each against Polis's own groups;
#   2. a synthetic planted consultation red-dwarf can handle (10k × 500 × 250k votes);
#   3. ours alone on 100k participants × 2k targets × 5M votes (red-dwarf densifies the matrix,
#      1.6 GB of floats at that size, and its silhouette over all participants is O(n²)).
# Writes Benchmarks/results/groups.md. Not a unit test; never run in CI.
#
# Usage: Benchmarks/scripts/bench-groups.sh   (env: SHARED_DATA, VENV, SCRATCH, OURS_BIN, WINDOW_MS, SKIP_SYNTHETIC,
# OURS_CACHE = a folder of NAME.json / ours-NAME.csv written beforehand by `bench-groups --polis`)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
BENCH="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
SHARED_DATA="${SHARED_DATA:-$ROOT/../shared/data}"
POLIS="$SHARED_DATA/polis-opendata"
VENV="${VENV:-/tmp/venv-groups}"
SCRATCH="${SCRATCH:-/tmp/bench-build-groups}"
WORK="$(mktemp -d /tmp/bench-groups-run.XXXXXX)"
OUT="$BENCH/results/groups.md"

if ! "$VENV/bin/python" -c "import reddwarf" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "red-dwarf==0.4.0"
fi
PY="$VENV/bin/python -W ignore"

if [ -n "${OURS_BIN:-}" ]; then
  OURS="$OURS_BIN"  # a bench-groups binary built elsewhere from the same sources
else
  (cd "$BENCH" && nice swift build -c release --scratch-path "$SCRATCH" --product bench-groups >/dev/null)
  OURS="$SCRATCH/release/bench-groups"
fi

field() { # field JSON KEY
  $PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}
ratio() { $PY -c 'import sys; print(f"{float(sys.argv[1]) / max(float(sys.argv[2]), 1e-9):.0f}")' "$1" "$2"; }

{
  echo "## Opinion groups (Polis-style) — \`bench-groups\` vs red-dwarf 0.4.0"
  echo
  echo "Machine: $(nproc) cores shared, $(uname -m), $(date -u +%Y-%m-%d). Ours: Swift release build,"
  echo "\`OpinionGroups.analyze\` (PCA, base clusters, groups, repness, consensus). red-dwarf: \`run_pipeline\`"
  echo "(vote matrix, PCA, k-means with silhouette, consensus, repness), same inputs, CSV reading excluded on both sides."
  echo
  echo "### Polis openData conversations"
  echo
  echo "| conversation | participants | votes | ours (s) | red-dwarf (s) | speed-up | Polis k | our k one-shot | our k replayed | red-dwarf k | ARI one-shot↔Polis | ARI replayed↔Polis | ARI red-dwarf↔Polis | ARI ours↔red-dwarf | replay: updates, k changes, time (s) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$WORK/table.md"

total_ours=0; total_rd=0; sum_ours_polis=0; sum_rd_polis=0; n=0
sum_replay_polis=0; sum_rd_replayed=0; sum_shot_replayed=0; n_replay=0; k_shot_ok=0; k_replay_ok=0; k_rd_ok=0; k_rd_ok_replayed=0; k_shot_ok_replayed=0
for dir in "$POLIS"/*/; do
  name="$(basename "$dir")"
  [ -f "$dir/participants-votes.csv" ] || continue
  if [ -n "${OURS_CACHE:-}" ] && [ -f "$OURS_CACHE/$name.json" ]; then
    # Our JSON line and labels computed beforehand by the same binary (the replays are long).
    ours_json="$(cat "$OURS_CACHE/$name.json")"; cp "$OURS_CACHE/ours-$name.csv" "$WORK/ours-$name.csv"
  else
    ours_json="$(nice "$OURS" --polis "$dir" --labels-out "$WORK/ours-$name.csv" ${WINDOW_MS:+--window-ms "$WINDOW_MS"})"
  fi
  rd_json="$(nice $PY "$HERE/bench_groups_reddwarf.py" --polis "$dir" --labels-out "$WORK/rd-$name.csv")"
  t_ours="$(field "$ours_json" analyze_s)"; t_rd="$(field "$rd_json" run_pipeline_s)"
  total_ours="$($PY -c "print($total_ours + $t_ours)")"; total_rd="$($PY -c "print($total_rd + $t_rd)")"
  both="$(field "$($PY "$HERE/bench_groups_compare.py" "$WORK/ours-$name.csv" "$WORK/rd-$name.csv")" ari)"
  rd_polis="$(field "$($PY "$HERE/bench_groups_compare.py" "$WORK/rd-$name.csv" "$dir/participants-votes.csv" --polis)" ari)"
  ours_polis="$(field "$ours_json" ari_vs_polis)"
  sum_ours_polis="$($PY -c "print($sum_ours_polis + $ours_polis)")"; sum_rd_polis="$($PY -c "print($sum_rd_polis + $rd_polis)")"; n=$((n + 1))
  polis_k="$(field "$ours_json" polis_k)"; shot_k="$(field "$ours_json" k)"; rd_k="$(field "$rd_json" k)"
  [ "$shot_k" = "$polis_k" ] && k_shot_ok=$((k_shot_ok + 1)); [ "$rd_k" = "$polis_k" ] && k_rd_ok=$((k_rd_ok + 1))
  if has_replay="$(field "$ours_json" replay_k 2>/dev/null)"; then
    replay_k="$has_replay"; replay_ari="$(field "$ours_json" ari_replay_vs_polis)"
    replay_info="$(field "$ours_json" replay_updates), $(field "$ours_json" replay_k_changes), $(field "$ours_json" replay_s)"
    [ "$replay_k" = "$polis_k" ] && k_replay_ok=$((k_replay_ok + 1))
    [ "$rd_k" = "$polis_k" ] && k_rd_ok_replayed=$((k_rd_ok_replayed + 1)); [ "$shot_k" = "$polis_k" ] && k_shot_ok_replayed=$((k_shot_ok_replayed + 1))
    sum_replay_polis="$($PY -c "print($sum_replay_polis + $replay_ari)")"; sum_rd_replayed="$($PY -c "print($sum_rd_replayed + $rd_polis)")"
    sum_shot_replayed="$($PY -c "print($sum_shot_replayed + $ours_polis)")"; n_replay=$((n_replay + 1))
    replay_ari="$(printf '%.3f' "$replay_ari")"
  else
    replay_k="—"; replay_ari="— (no votes.csv)"; replay_info="—"
  fi
  echo "| $name | $(field "$ours_json" participants) | $(field "$ours_json" votes) | $t_ours | $t_rd | $(ratio "$t_rd" "$t_ours")× | $polis_k | $shot_k | $replay_k | $rd_k | $(printf '%.3f' "$ours_polis") | $replay_ari | $rd_polis | $both | $replay_info |" >> "$WORK/table.md"
done
echo "| **all $n** (time: sum; ARI: mean; k: how many equal Polis's) | | | $(printf '%.3f' "$total_ours") | $(printf '%.2f' "$total_rd") | **$(ratio "$total_rd" "$total_ours")×** | | $k_shot_ok/$n | | $k_rd_ok/$n | **$($PY -c "print(f'{$sum_ours_polis / $n:.3f}')")** | | **$($PY -c "print(f'{$sum_rd_polis / $n:.3f}')")** | | |" >> "$WORK/table.md"
echo "| **the $n_replay with votes.csv** | | | | | | | $k_shot_ok_replayed/$n_replay | $k_replay_ok/$n_replay | $k_rd_ok_replayed/$n_replay | $($PY -c "print(f'{$sum_shot_replayed / $n_replay:.3f}')") | **$($PY -c "print(f'{$sum_replay_polis / $n_replay:.3f}')")** | $($PY -c "print(f'{$sum_rd_replayed / $n_replay:.3f}')") | | |" >> "$WORK/table.md"

if [ -z "${SKIP_SYNTHETIC:-}" ]; then
# Synthetic planted consultation at a size red-dwarf handles.
  SMALL=(--participants 10000 --targets 500 --votes 250000 --groups 4 --seed 1)
  small_json="$(nice "$OURS" "${SMALL[@]}" --write-votes "$WORK/small-votes.csv" --labels-out "$WORK/ours-small.csv")"
  rd_small="$(nice $PY "$HERE/bench_groups_reddwarf.py" --votes "$WORK/small-votes.csv" --labels-out "$WORK/rd-small.csv")"
  small_both="$(field "$($PY "$HERE/bench_groups_compare.py" "$WORK/ours-small.csv" "$WORK/rd-small.csv")" ari)"
  rd_truth="$(field "$($PY "$HERE/bench_groups_compare.py" "$WORK/rd-small.csv" "$WORK/small-votes.csv.truth.csv")" ari)"
  
  # Full size, ours only.
  big_json="$(nice "$OURS" --participants 100000 --targets 2000 --votes 5000000 --groups 4 --seed 1)"
fi

{
  cat "$WORK/table.md"
  echo
  echo "Replay: \`votes.csv\` in time order, one Polis update per ${WINDOW_MS:-1000}-ms window that holds votes (Polis's poller"
  echo "asks for new votes every 1000 ms and runs one \`conv-update\` on the batch), each update carrying the k smoother"
  echo "(\`group-k-buffer\` 4), the warm-started base and group clusters and the in-conv set (\`OpinionGroups.KHistory\`)."
  echo "Moderation is applied from the start (its times are not exported). \"k changes\" counts changes of the shown k."
  echo
  if [ -z "${SKIP_SYNTHETIC:-}" ]; then
  echo "### Synthetic planted consultation (4 planted groups, seed 1)"
    echo
    echo "| size | ours analyze (s) | ours peak RSS (MiB) | red-dwarf (s) | red-dwarf peak RSS (MiB) | speed-up | ARI ours↔planted | ARI red-dwarf↔planted | ARI ours↔red-dwarf |"
    echo "|---|---|---|---|---|---|---|---|---|"
    echo "| 10k × 500 × $(field "$small_json" votes) votes | $(field "$small_json" analyze_s) | $(printf '%.0f' "$(field "$small_json" peak_rss_mib)") | $(field "$rd_small" run_pipeline_s) | $(field "$rd_small" peak_rss_mib) | $(ratio "$(field "$rd_small" run_pipeline_s)" "$(field "$small_json" analyze_s)")× | $(printf '%.3f' "$(field "$small_json" ari_vs_planted)") | $rd_truth | $small_both |"
    echo "| 100k × 2k × $(field "$big_json" votes) votes | $(field "$big_json" analyze_s) (+ $(field "$big_json" build_matrix_s) s matrix build) | $(printf '%.0f' "$(field "$big_json" peak_rss_mib)") | not run (dense 100k × 2k matrix, O(n²) silhouette) | — | — | $(printf '%.3f' "$(field "$big_json" ari_vs_planted)") | — | — |"
    echo
    echo "Our peak RSS is the whole bench process (the 5M generated votes included). Planted groups: 4 camps"
    echo "of sizes 4:3:2:1 with random agree profiles; a 2-D PCA separates 3 of them well, hence k = 3 and ARI < 1."
    echo
  fi
  echo "ARI against Polis is over the participants both placed in a group (Polis's \`group-id\`); red-dwarf"
  echo "runs with \`random_state=0\`. Times are single runs."
  echo
  echo "Reproduce: \`Benchmarks/scripts/bench-groups.sh\` (installs red-dwarf 0.4.0 in \`$VENV\`, builds"
  echo "\`bench-groups\` in release, reads \`shared/data/polis-opendata\`)."
} > "$OUT"
cat "$OUT"
rm -rf "$WORK"
