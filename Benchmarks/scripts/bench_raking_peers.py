#!/usr/bin/env python3
"""Python peers of bench-raking: weightipy (and samplics on a small subset) on the same data.

usage: bench_raking_peers.py DATA_DIR SWIFT_1M_OUT SWIFT_SMALL_OUT SMALL_N OUT_MD COMMAND
DATA_DIR holds respondents.csv, margins.csv and weights-swift.csv written by
`bench-raking --data DATA_DIR`; SWIFT_*_OUT are bench-raking's stdout (key=value lines).
Only the raking call is timed (not CSV reading), as bench-raking times only Raking.rake.
"""
import os
import platform
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")


def kv(path):
    text = Path(path).read_text()
    return {k: v for k, v in re.findall(r"(\w[\w.]*)=(\S+)", text)}


def max_rel_error(df, dims, margins, weights):
    n = len(df)
    worst = 0.0
    for d in dims:
        for c, s in margins[d].items():
            got = weights[(df[d] == c).to_numpy()].sum()
            worst = max(worst, abs(got - s * n) / (s * n))
    return worst


def run_weightipy(df, dims, margins, **params):
    import weightipy as wp
    scheme = wp.scheme_from_dict({d: {c: s * 100 for c, s in margins[d].items()} for d in dims},
                                 rim_params=params or None)
    start = time.perf_counter()
    w = wp.weight(df[dims], scheme).to_numpy(dtype=float)
    elapsed = time.perf_counter() - start
    return elapsed, w * len(df) / w.sum()


def run_samplics(df, dims, margins):
    from samplics.weighting import SampleWeight
    n = len(df)
    start = time.perf_counter()
    w = SampleWeight().rake(
        samp_weight=np.ones(n), margins={d: df[d].to_numpy() for d in dims},
        control={d: {c: s * n for c, s in margins[d].items()} for d in dims},
        tol=1e-10, ctrl_tol=1e-10, max_iter=1000)
    elapsed = time.perf_counter() - start
    w = np.asarray(w, dtype=float)
    return elapsed, w * n / w.sum()


def main():
    data, swift_big, swift_small, small_n, out_md, command = sys.argv[1:7]
    small_n = int(small_n)
    data = Path(data)
    df = pd.read_csv(data / "respondents.csv", dtype=str, keep_default_na=False)
    mdf = pd.read_csv(data / "margins.csv", dtype={"category": str})
    dims = list(dict.fromkeys(mdf["dimension"]))
    margins = {d: dict(zip(g["category"], g["share"].astype(float))) for d, g in mdf.groupby("dimension", sort=False)}
    swift_w = pd.read_csv(data / "weights-swift.csv")["weight"].to_numpy(dtype=float)
    n = len(df)

    big = kv(swift_big)
    small = kv(swift_small)
    t_wi, w_wi = run_weightipy(df, dims, margins)
    t_wi_tight, w_wi_tight = run_weightipy(df, dims, margins, max_iterations=1000, convcrit=1e-12)
    sub = df.iloc[:small_n].reset_index(drop=True)
    t_wi_small, _ = run_weightipy(sub, dims, margins)
    t_sp_small, w_sp_small = run_samplics(sub, dims, margins)

    swift_t = float(big["swift_engine_median_s"])
    swift_small_t = float(small["swift_engine_median_s"])
    from importlib.metadata import version
    wi_v, sp_v = version("weightipy"), version("samplics")
    rows = [
        ("Contribuez `Raking.rake` (Swift, release)", f"{n:,}", f"{swift_t:.3f}", big["swift_iterations"],
         f"{float(big['max_rel_margin_error']):.1e}", "1"),
        (f"weightipy {wi_v} (defaults: convcrit 0.01)", f"{n:,}", f"{t_wi:.3f}", "—",
         f"{max_rel_error(df, dims, margins, w_wi):.1e}", f"{t_wi / swift_t:.1f}"),
        (f"weightipy {wi_v} (convcrit 1e-12, to full precision)", f"{n:,}", f"{t_wi_tight:.3f}", "—",
         f"{max_rel_error(df, dims, margins, w_wi_tight):.1e}", f"{t_wi_tight / swift_t:.1f}"),
        ("Contribuez `Raking.rake` (Swift, release)", f"{small_n:,}", f"{swift_small_t:.4f}", small["swift_iterations"],
         f"{float(small['max_rel_margin_error']):.1e}", "1"),
        (f"weightipy {wi_v} (defaults)", f"{small_n:,}", f"{t_wi_small:.3f}", "—", "—",
         f"{t_wi_small / swift_small_t:.0f}"),
        (f"samplics {sp_v} (tol 1e-10)", f"{small_n:,}", f"{t_sp_small:.3f}", "—",
         f"{max_rel_error(sub, dims, margins, w_sp_small):.1e}", f"{t_sp_small / swift_small_t:.0f}"),
    ]
    lines = [
        "## Raking (iterative proportional fitting), 4 margins",
        "",
        f"Synthetic respondents skewed like an online consultation (more men, graduates, Île-de-France), "
        f"correlated dimensions, raked on the shipped INSEE margins sex (2), age (7), région (18), diploma (7). "
        f"Time of the raking call only (data already in memory), Swift median of {big['runs']} runs; "
        f"machine: {platform.machine()}, 2 cores shared with other jobs (`nproc` = 2; load average "
        f"{os.getloadavg()[0]:.1f} when the peers ran, so timings vary by about 2× from run to run).",
        "",
        "| implementation | respondents | seconds | iterations | max relative margin error | ratio to Swift |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {' | '.join(r)} |" for r in rows],
        "",
        f"- Same weights: max |Swift − weightipy (convcrit 1e-12)| = {np.abs(swift_w - w_wi_tight).max():.1e} "
        f"over {n:,} weights; Kish design effect {float(big['deff']):.4f}, effective sample size "
        f"{float(big['ess']):,.0f}.",
        f"- Swift with trimming 0.2–5 × mean: {float(big['swift_engine_trim_0.2_5_s']):.3f} s "
        f"({big['iterations']} iterations, {big['at_bounds']} weights at a bound); with base weights and "
        f"trimming (respondent-by-respondent path, no cell merging): "
        f"{float(big['swift_engine_base_weights_trim_s']):.3f} s ({big['base_iterations']} iterations).",
        f"- Whole `analyze reweight` CSV path in Swift (`Raking.reweightCSV`: parse the {n:,}-row CSV, rake, "
        f"print): {float(big['swift_csv_end_to_end_s']):.3f} s, of which reading and encoding "
        f"{float(big['swift_csv_read_encode_s']):.3f} s.",
        f"- Swift rakes the table of occupied cells (respondents sharing all categories keep equal "
        f"weights under IPF), hence its speed; weightipy and samplics rake respondent by respondent. "
        f"Swift raking respondent by respondent (`aggregateCells = false`): "
        f"{float(big['swift_engine_one_by_one_s']):.3f} s ({big['one_iterations']} iterations), "
        f"ratio weightipy/Swift {t_wi / float(big['swift_engine_one_by_one_s']):.1f}.",
        f"- samplics runs only on {small_n:,} respondents: it is O(n × categories) per margin in Python "
        f"loops (the project measured ~1,100 s at 1M).",
        "",
        "Reproduce:",
        "",
        "```",
        command,
        "```",
        "",
    ]
    Path(out_md).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
