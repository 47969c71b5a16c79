#!/usr/bin/env python3
"""Reference raking weights for ContribuezAnalysis' tests, made by peer implementations.

Rakes the INSEE "Histoire de vie 2003" sample (shared/data/insee-census-margins/
hdv2003_survey_sample.csv, 2,000 respondents) on four dimensions -- sexe, age band,
nivetud (education, 112 unanswered), occup (activity status) -- to margins that are the
sample's own INSEE-weighted (`poids`) shares, i.e. the survey's published structure.

It writes into Tests/ContribuezAnalysisTests/Fixtures/raking/:
  hdv2003-respondents.csv   id,sexe,age,nivetud,occup   (empty = unanswered; the input)
  hdv2003-margins.csv       dimension,category,share     (shares with 12 decimals)
  hdv2003-weights-weightipy.csv   id,weight  weightipy (RIM raking), complete respondents only
  hdv2003-weights-samplics.csv    id,weight  samplics SampleWeight.rake, same respondents
Weights are normalised to mean 1 over the weighted respondents, as `contribuez analyze
reweight` prints them; they are printed with repr(), which round-trips.

Usage: python3 scripts/raking-reference.py [--data DIR] [--out DIR]
The script makes its own virtualenv (RAKING_VENV, default /tmp/venv-raking-reference),
installs the pinned peers from PyPI into it and re-runs itself there.
"""
import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

PEERS = ["weightipy==0.4.2", "samplics==0.6.1"]
ROOT = Path(__file__).resolve().parent.parent
AGE_BANDS = [(18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 200)]


def ensure_venv():
    venv = Path(os.environ.get("RAKING_VENV", "/tmp/venv-raking-reference"))
    if Path(sys.prefix).resolve() == venv.resolve():
        return
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def age_band(age):
    for lo, hi in AGE_BANDS:
        if lo <= age <= hi:
            return f"{lo}-{hi}" if hi < 200 else f"{lo}+"
    raise ValueError(age)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "insee-census-margins"))
    parser.add_argument("--out", default=str(ROOT / "Tests" / "ContribuezAnalysisTests" / "Fixtures" / "raking"))
    args = parser.parse_args()
    ensure_venv()

    import numpy as np
    import pandas as pd
    import weightipy as wp
    from samplics.weighting import SampleWeight

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    src = pd.read_csv(Path(args.data) / "hdv2003_survey_sample.csv", dtype=str, keep_default_na=False)
    df = pd.DataFrame({
        "id": src["id"],
        "sexe": src["sexe"],
        "age": [age_band(int(a)) for a in src["age"]],
        "nivetud": src["nivetud"],
        "occup": src["occup"],
    })
    poids = src["poids"].astype(float).to_numpy()
    dims = ["sexe", "age", "nivetud", "occup"]
    df.to_csv(out / "hdv2003-respondents.csv", index=False, lineterminator="\n")

    # Margins: INSEE-weighted shares among those who answered, 12 decimals, the last
    # category absorbing the rounding so that each dimension sums to 1 in decimal.
    margins = {}
    rows = []
    for dim in dims:
        answered = df[dim] != ""
        cats = sorted(df.loc[answered, dim].unique())
        total = poids[answered].sum()
        shares = [round(poids[(df[dim] == c).to_numpy()].sum() / total, 12) for c in cats]
        shares[-1] = round(1 - sum(shares[:-1]), 12)
        margins[dim] = dict(zip(cats, shares))
        rows += [(dim, c, f"{s:.12f}") for c, s in zip(cats, shares)]
    with open(out / "hdv2003-margins.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["dimension", "category", "share"])
        w.writerows(rows)

    complete = df[(df[dims] != "").all(axis=1)].reset_index(drop=True)
    n = len(complete)

    # weightipy: targets in percent; convcrit tiny so that it iterates until the weights
    # stop changing (its default 0.01 stops on a 1 % slowdown of the changes).
    scheme = wp.scheme_from_dict({d: {c: s * 100 for c, s in margins[d].items()} for d in dims},
                                 rim_params={"max_iterations": 5000, "convcrit": 1e-12})
    wi = wp.weight(complete[dims], scheme).to_numpy(dtype=float)
    wi = wi * n / wi.sum()

    # samplics: controls as totals, rake from equal weights to a 1e-13 relative tolerance.
    sw = SampleWeight()
    ws = sw.rake(
        samp_weight=np.ones(n),
        margins={d: complete[d].to_numpy() for d in dims},
        control={d: {c: s * n for c, s in margins[d].items()} for d in dims},
        tol=1e-14, ctrl_tol=1e-13, max_iter=1000,
    )
    ws = np.asarray(ws, dtype=float)
    ws = ws * n / ws.sum()

    for name, weights in (("weightipy", wi), ("samplics", ws)):
        with open(out / f"hdv2003-weights-{name}.csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "weight"])
            w.writerows((i, repr(float(x))) for i, x in zip(complete["id"], weights))
        worst = 0.0
        for d in dims:
            for c, s in margins[d].items():
                got = weights[(complete[d] == c).to_numpy()].sum()
                worst = max(worst, abs(got - s * n) / (s * n))
        print(f"{name}: {n} weighted of {len(df)}, max relative margin error {worst:.3g}, "
              f"weights {weights.min():.6f}..{weights.max():.6f}")
    print(f"max |weightipy - samplics| = {np.abs(wi - ws).max():.3g}")


if __name__ == "__main__":
    main()
