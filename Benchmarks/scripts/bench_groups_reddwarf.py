"""Runs red-dwarf 0.4.0 (the Python reimplementation of the Polis math) on the same data as
bench-groups, and prints one JSON object: timing, group count and where its labels were written.

    python bench_groups_reddwarf.py --polis DIR --labels-out FILE
    python bench_groups_reddwarf.py --votes votes.csv --labels-out FILE

Only `run_pipeline` is timed (it builds the vote matrix from the vote records, runs PCA,
k-means with k chosen by silhouette, consensus and repness); reading the CSV is not.
"""
import argparse
import csv
import json
import resource
import time

from reddwarf.implementations.polis import run_pipeline


def polis_votes(folder):
    votes, mod_out = [], []
    with open(f"{folder}/participants-votes.csv", newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows)
        first = header.index("n-disagree") + 1
        ids = [int(c) for c in header[first:]]
        for row in rows:
            pid = int(row[0])
            for cid, cell in zip(ids, row[first:]):
                if cell != "":
                    votes.append({"participant_id": pid, "statement_id": cid, "vote": int(cell), "modified": 0})
    try:
        with open(f"{folder}/comments.csv", newline="", encoding="utf-8") as f:
            mod_out = [int(r["comment-id"]) for r in csv.DictReader(f) if r["moderated"] == "-1"]
    except FileNotFoundError:
        pass
    return votes, mod_out


def csv_votes(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [
            {"participant_id": int(r["participant_id"]), "statement_id": int(r["statement_id"]),
             "vote": int(r["vote"]), "modified": 0}
            for r in csv.DictReader(f)
        ], []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--polis")
    parser.add_argument("--votes")
    parser.add_argument("--labels-out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    votes, mod_out = polis_votes(args.polis) if args.polis else csv_votes(args.votes)

    start = time.perf_counter()
    result = run_pipeline(votes=votes, mod_out_statement_ids=mod_out, random_state=args.seed)
    elapsed = time.perf_counter() - start

    labels = result.participants_df["cluster_id"]
    with open(args.labels_out, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["participant_id", "group"])
        for pid, g in labels.items():
            out.writerow([pid, "" if g is None or str(g) == "<NA>" else int(g)])
    k = len({int(g) for g in labels if str(g) != "<NA>"})
    print(json.dumps({
        "run_pipeline_s": round(elapsed, 4), "k": k, "votes": len(votes),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
