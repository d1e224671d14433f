"""Choose TG-NAS's few-shot fine-tuning settings on NB101, a family no few-shot table reports.

    TGNAS_DATA_DIR=../shared/benchmarks_data python experiments/fewshot_select.py [--candidates A B ...]
    python experiments/fewshot_select.py --table          # from results/fewshot_select/*.json

The few-shot tables (docs/predictors.md: NB201 CIFAR-10 / CIFAR-100, NB301, TNB101-micro class_scene) fine-tune
the member that never saw the benchmark's family. Their settings (epochs, learning rate) are chosen here, on NB101
only: the member that never saw NB101 (``lfo-nb101``) is fine-tuned on NB101 training sets and tested on 200 NB101
archs it never trained on, with the few-shot tables' protocol (seeds 0-2, the same seeded split as ``split:
benchmark``, train sizes 10-200). No label of a reported benchmark takes part.

Declared 2026-12-05, before any candidate ran: the candidates are ``CANDIDATES``; the criterion is the mean Spearman
over the 5 train sizes and 3 seeds; ties (within .005) go to the current setting, then to fewer epochs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "fewshot_select"
BENCHMARK = "nb101_500"
SIZES = (10, 20, 50, 100, 200)
SEEDS = (0, 1, 2)
#: name -> (epochs, learning rate); "current" is what the few-shot tables used before this round
CANDIDATES = {
    "current": (50, 3e-4),
    "lr1e-3": (50, 1e-3),
    "lr3e-3": (50, 3e-3),
    "e150": (150, 3e-4),
    "e150-lr1e-3": (150, 1e-3),
    "e150-lr3e-3": (150, 3e-3),
}


def run(name: str) -> dict:
    """Every (train size, seed) cell of one candidate."""
    from tgnas_naslib import TGNAS
    from tgnas_naslib.datasets import load_benchmark
    from tgnas_naslib.naslib.split import split_indices

    epochs, lr = CANDIDATES[name]
    records = [r for r in load_benchmark(BENCHMARK).records if r.y is not None]
    archs = [r.arch for r in records]
    y = np.array([r.y for r in records], dtype=np.float64)
    base = TGNAS.pretrained("lfo-nb101")
    cells = {}
    t = time.perf_counter()
    for seed in SEEDS:
        test, rest = split_indices(len(records), 200, seed, BENCHMARK)
        for n in SIZES:
            train = rest[:n]
            tuned = base.finetune([archs[i] for i in train], y[train], "nasbench101", epochs=epochs, lr=lr,
                                  seed=seed)
            rho = spearmanr(tuned.score([archs[i] for i in test], "nasbench101"), y[test])[0]
            cells[f"{n}/{seed}"] = float(rho)
    out = {"candidate": name, "epochs": epochs, "lr": lr, "cells": cells, "seconds": time.perf_counter() - t,
           "model": "lfo-nb101 (never trained on NB101)", "benchmark": BENCHMARK}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(out, indent=1))
    return out


def table() -> None:
    """The round's table and the selected candidate."""
    rows = {p.stem: json.loads(p.read_text()) for p in sorted(OUT.glob("*.json"))}
    print(f"NB101 few-shot selection ({BENCHMARK}, test 200, seeds {SEEDS}); member lfo-nb101 fine-tuned; Spearman "
          "with the file's 108-epoch CIFAR-10 validation accuracy")
    print("| candidate | epochs | lr | " + " | ".join(f"n={n}" for n in SIZES) + " | criterion (mean) |")
    print("|---" * (len(SIZES) + 4) + "|")
    crit = {}
    for name in CANDIDATES:
        if name not in rows:
            continue
        r = rows[name]
        per = [np.mean([r["cells"][f"{n}/{s}"] for s in SEEDS]) for n in SIZES]
        crit[name] = float(np.mean(per))
        print(f"| {name} | {r['epochs']} | {r['lr']:g} | " + " | ".join(f"{v:.3f}" for v in per)
              + f" | {crit[name]:.3f} |")
    if crit:
        best = max(crit.values())
        tied = [k for k in CANDIDATES if k in crit and crit[k] >= best - 0.005]
        pick = "current" if "current" in tied else min(tied, key=lambda k: CANDIDATES[k][0])
        epochs, lr = CANDIDATES[pick]
        print(f"selected: {pick} (epochs {epochs}, lr {lr:g}), criterion {crit[pick]:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--candidates", nargs="+", choices=list(CANDIDATES), default=list(CANDIDATES))
    ap.add_argument("--table", action="store_true", help="print the table from the results only")
    args = ap.parse_args()
    if not args.table:
        for name in args.candidates:
            r = run(name)
            print(f"{name}: {np.mean(list(r['cells'].values())):.3f} in {r['seconds']:.0f} s", flush=True)
    table()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
