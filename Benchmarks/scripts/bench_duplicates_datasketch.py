"""datasketch MinHashLSH peer for bench-duplicates, and agreement with our clusters.

Reads the CSV written by `bench-duplicates --write-csv` (id, normalized, planted): the
normal forms our detector shingles, so both sides see the same character 5-grams.
Runs MinHash (128 permutations) + MinHashLSH(threshold=0.7), clusters = connected
components of LSH candidate pairs (datasketch does not verify candidates), then compares
with our clusters (`--ours`, the {"clusters": ...} JSON). Prints one JSON object.
"""
import argparse
import csv
import json
import random
import resource
import sys
import time

from datasketch import MinHash, MinHashLSH

csv.field_size_limit(sys.maxsize)


def shingles(text):
    if len(text) < 5:
        return {text} if text else set()
    return {text[i:i + 5] for i in range(len(text) - 4)}


class UnionFind:
    def __init__(self, n):
        self.parent = list(range(n))

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def labels_from_clusters(clusters, index, n):
    """Cluster label per text; singletons get their own negative label."""
    label = [-1 - i for i in range(n)]
    for c, members in enumerate(clusters):
        for m in members:
            label[index[m]] = c
    return label


def pair_counts(a, b):
    """Pairs together in a, in b, and in both, by contingency counting (no pair enumeration)."""
    from collections import Counter
    ca, cb, cab = Counter(a), Counter(b), Counter(zip(a, b))
    c2 = lambda k: k * (k - 1) // 2
    return sum(map(c2, ca.values())), sum(map(c2, cb.values())), sum(map(c2, cab.values()))


def jaccard(x, y):
    return len(x & y) / len(x | y) if x or y else 0.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--csv", required=True)
    p.add_argument("--ours", required=True)
    p.add_argument("--threshold", type=float, default=0.7)
    p.add_argument("--num-perm", type=int, default=128)
    args = p.parse_args()

    with open(args.csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = [r["id"] for r in rows]
    texts = [r["normalized"] for r in rows]
    planted = [r["planted"] == "1" for r in rows]
    index = {x: i for i, x in enumerate(ids)}
    n = len(rows)

    start = time.perf_counter()
    cpu_start = time.process_time()
    lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm)
    sketches = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=args.num_perm)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        sketches.append(m)
        if text:
            lsh.insert(ids[i], m)
    uf = UnionFind(n)
    candidates = {}
    for i, text in enumerate(texts):
        if not text:
            continue
        found = [index[k] for k in lsh.query(sketches[i]) if k != ids[i]]
        candidates[i] = found
        for j in found:
            uf.union(i, j)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    groups = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(i)
    ds_clusters = [[ids[i] for i in g] for g in groups.values() if len(g) >= 2]
    with open(args.ours, encoding="utf-8") as f:
        ours_clusters = json.load(f)["clusters"]

    ours = labels_from_clusters(ours_clusters, index, n)
    ds = labels_from_clusters(ds_clusters, index, n)
    ours_pairs, ds_pairs, both_pairs = pair_counts(ours, ds)
    in_ours = {index[m] for c in ours_clusters for m in c}
    in_ds = {index[m] for c in ds_clusters for m in c}

    # Texts datasketch clusters and we leave alone: is there a candidate at exact J >= threshold?
    only_ds = sorted(in_ds - in_ours)
    random.Random(1).shuffle(only_ds)
    sample = only_ds[:300]
    above = 0
    for i in sample:
        si = shingles(texts[i])
        best = max((jaccard(si, shingles(texts[j])) for j in candidates.get(i, [])), default=0.0)
        above += best >= args.threshold
    planted_total = sum(planted)
    ds_in_planted_clusters = sum(len(c) for c in ds_clusters if any(planted[index[m]] for m in c))
    print(json.dumps({
        "texts": n,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(peak_mb),
        "ds_clusters": len(ds_clusters),
        "ours_clusters": len(ours_clusters),
        "texts_clustered_ours": len(in_ours),
        "texts_clustered_ds": len(in_ds),
        "membership_precision_ours_vs_ds": round(len(in_ours & in_ds) / max(1, len(in_ours)), 4),
        "membership_recall_ours_vs_ds": round(len(in_ours & in_ds) / max(1, len(in_ds)), 4),
        "pairs_ours": ours_pairs,
        "pairs_ds": ds_pairs,
        "pairs_both": both_pairs,
        "pair_precision_ours_vs_ds": round(both_pairs / max(1, ours_pairs), 4),
        "pair_recall_ours_vs_ds": round(both_pairs / max(1, ds_pairs), 4),
        "only_ds_texts": len(only_ds),
        "only_ds_sampled": len(sample),
        "only_ds_sampled_with_exact_j_at_threshold": above,
        "only_ours_texts": len(in_ours - in_ds),
        "ds_planted_recall": round(sum(1 for i in in_ds if planted[i]) / max(1, planted_total), 4),
        "ds_planted_precision": round(
            sum(1 for i in in_ds if planted[i]) / max(1, ds_in_planted_clusters), 4),
    }))


if __name__ == "__main__":
    main()
