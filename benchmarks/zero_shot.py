"""Zero-shot rank correlation of a TG-NAS model on every labelled benchmark, next to the free baselines.

    TGNAS_DATA_DIR=../shared/benchmarks_data python benchmarks/zero_shot.py [--checkpoint PATH] [--out FILE]

Prints Spearman rho / Kendall tau of TG-NAS, the parameter-count heuristic (conv3x3 = 9, conv1x1 = 1 summed
over live nodes) and zen (where the file has it) on: NB201 (all 15,625, three datasets), NB301 (500),
TNB101-micro (all 4,096, seven tasks), plus the NB101 grouped 5-fold CV of the model card.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from tgnas_naslib import TGNAS
from tgnas_naslib.baselines import param_heuristic
from tgnas_naslib.datasets import ZERO_SHOT_BENCHMARKS, load_benchmark
from tgnas_naslib.paths import MissingDataError, describe
from tgnas_naslib.study.correlation import rank_correlations as correlations

#: benchmarks whose labels took part in model selection (so their number is not a clean zero-shot report)
SELECTION_FAMILIES = {"nb301_500"}


def main() -> int:
    """Score every benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default=None, help="default: the shipped model")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=None, help="also write the results as JSON")
    args = ap.parse_args()

    model = TGNAS.load(args.checkpoint) if args.checkpoint else TGNAS.pretrained()
    card = model.card or {}
    trained = model.meta.get("trained_on", {})
    print(f"model: {args.checkpoint or 'shipped'} - trained on {model.training_summary()}; "
          f"ensemble of {len(model.models)}")
    print(f"selection data: {card.get('selection_data', 'NB101 CV + NB301 500 (validation family)')}")
    rows = []
    cv = card.get("nb101_grouped_cv")
    if cv:
        rows.append({"benchmark": "nb101_500 (grouped 5-fold CV, training space)", "n": 500,
                     "tgnas_rho": cv["spearman"], "tgnas_tau": cv["kendall"]})
    skipped = []
    for name in ZERO_SHOT_BENCHMARKS:
        try:
            bench = load_benchmark(name, args.data_dir)
        except MissingDataError as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
            skipped.append(name)
            continue
        t = time.time()
        graphs = model.graphs(bench.archs, bench.space)
        scores = model.score_graphs(graphs)
        seconds = time.time() - t
        y = np.asarray(bench.y, dtype=np.float64)
        rho, tau = correlations(scores, y)
        h_rho, h_tau = correlations(np.array([param_heuristic(g) for g in graphs]), y)
        singles = [correlations(TGNAS([m], model.config).score_graphs(graphs), y)[0] for m in model.models]
        row = {"benchmark": name + (" (validation family)" if name in SELECTION_FAMILIES else ""),
               "n": len(y), "tgnas_rho": rho, "tgnas_tau": tau, "params_rho": h_rho, "params_tau": h_tau,
               "score_seconds": round(seconds, 3),
               "single_seed_rho_mean": float(np.mean(singles)), "single_seed_rho_std": float(np.std(singles))}
        if "zen" in bench.proxy_names:
            row["zen_rho"], row["zen_tau"] = correlations(bench.proxy("zen"), y)
        rows.append(row)

    if len(skipped) == len(ZERO_SHOT_BENCHMARKS):
        print(f"error: measured nothing: none of the {len(skipped)} benchmarks is in the data directory "
              f"{describe(args.data_dir)}; no result written", file=sys.stderr)
        return 1

    def f(v):
        return f"{v:6.3f}" if isinstance(v, float) else "     -"

    print(f"\n{'benchmark':<48} {'n':>6}  {'TG-NAS rho':>10} {'tau':>6}  {'1-seed rho':>13}  {'params rho':>10} "
          f"{'tau':>6}  {'zen rho':>7}")
    for r in rows:
        single = (f"{r['single_seed_rho_mean']:.3f}+-{r['single_seed_rho_std']:.3f}"
                  if "single_seed_rho_mean" in r else "-")
        print(f"{r['benchmark']:<48} {r['n']:>6}  {f(r['tgnas_rho']):>10} {f(r['tgnas_tau'])}  {single:>13}  "
              f"{f(r.get('params_rho')):>10} {f(r.get('params_tau'))}  {f(r.get('zen_rho')):>7}")
    print("\nTG-NAS = the ensemble; 1-seed = mean +- std over its members scored alone; params = conv3x3 9, conv1x1 1 "
          "summed over live nodes; zen from the same file. NB201/TNB101 are clean zero-shot reports.")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"model": trained, "rows": rows, "skipped": skipped}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
