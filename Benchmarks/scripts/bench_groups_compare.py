"""Adjusted Rand index between two label files (participant_id,group), over the participants
that both placed in a group. Prints the ARI and the number of participants compared."""
import csv
import json
import sys

from sklearn.metrics import adjusted_rand_score


def labels(path, id_column="participant_id", group_column="group"):
    with open(path, newline="", encoding="utf-8") as f:
        return {r[id_column]: r[group_column] for r in csv.DictReader(f) if r[group_column] != ""}


if __name__ == "__main__":
    a = labels(sys.argv[1])
    if len(sys.argv) > 3 and sys.argv[3] == "--polis":
        b = labels(sys.argv[2], "participant", "group-id")
    else:
        b = labels(sys.argv[2])
    both = sorted(set(a) & set(b))
    ari = adjusted_rand_score([a[p] for p in both], [b[p] for p in both]) if both else float("nan")
    print(json.dumps({"ari": round(ari, 4), "compared": len(both)}))
