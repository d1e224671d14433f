"""Zero-shot rank correlation of TG-NAS on the 11 labelled benchmarks, beside the free baselines, and the
TransNAS-Bench-101 macro skeletons (no labels here).

    TGNAS_DATA_DIR=../shared/benchmarks_data python experiments/zero_shot.py [--checkpoint PATH] [--out FILE]

Columns, all on the same architectures of each benchmark (NB201: all 15,625; NB301: the 500; TNB101-micro: all
4,096): Spearman rho of the previous text-only model (``nb101-text``) and of the model under test (default: the
shipped shape-aware model), of the exact analytic ``params`` and ``flops`` of each network (what NASLib's measures
give), and of the best stored NAS-Bench-Suite-Zero proxy (on the archs that have it: n shown). ``agree`` is the rank
agreement of the model with FLOPs (how much of it is just size). Then every valid TNB101-macro skeleton is scored.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from tgnas_naslib import TGNAS
from tgnas_naslib.baselines import network_costs, param_heuristic
from tgnas_naslib.datasets import ZERO_SHOT_BENCHMARKS, load_benchmark
from tgnas_naslib.paths import MissingDataError, describe
from tgnas_naslib.spaces import get_space
from tgnas_naslib.study.correlation import rank_correlations, rank_last, spearman
from tgnas_naslib.study.data import PROXIES, SPEC_BY_KEY, assemble

#: benchmarks whose labels took part in model selection (so their number is not a clean zero-shot report)
SELECTION_FAMILIES = {"nb301_500"}
#: the TNB101-macro task whose network is costed (the encoder is the same for every task)
MACRO_TASK = "class_scene"


def study_key(benchmark: str) -> str:
    """The study benchmark holding the stored Suite-Zero proxies of a zero-shot benchmark."""
    if benchmark.startswith("nb201_"):
        return benchmark.rsplit("_", 1)[0]
    if benchmark.startswith("nb301_"):
        return "nb301"
    return benchmark.rsplit("_", 1)[0]  # tnb101_micro_<task>_4096 -> tnb101_micro_<task>


def best_stored_proxy(benchmark: str, data_dir) -> tuple[str, float, int]:
    """The stored Suite-Zero proxy with the highest Spearman rho on its archs: (name, rho, n)."""
    data = assemble(SPEC_BY_KEY[study_key(benchmark)], data_dir)
    best = ("-", float("nan"), 0)
    for p in PROXIES:
        col = data.columns.get(p)
        if col is None or col.n < 50:
            continue
        values, _ = col.naslib()
        rho = spearman(rank_last(values), data.y[col.mask])
        if np.isfinite(rho) and not rho <= best[1]:
            best = (p, rho, col.n)
    return best


def macro_report(model: TGNAS) -> dict:
    """Score every valid TNB101-macro skeleton; rho against analytic FLOPs / params; the top and bottom five."""
    space = get_space("transbench101_macro")
    archs = list(space.enumerate())
    graphs = model.graphs(archs, "transbench101_macro")
    scores = model.score_graphs(graphs)
    flops, params, _ = network_costs(archs, "transbench101_macro", MACRO_TASK)
    order = np.argsort(-scores, kind="stable")
    fmt = lambda i: {"skeleton": space.format(archs[i]), "score": float(scores[i]),  # noqa: E731
                     "gflops": round(flops[i] / 1e9, 3), "mparams": round(params[i] / 1e6, 3)}
    return {"n": len(archs), "rho_flops": spearman(scores, flops), "rho_params": spearman(scores, params),
            "top": [fmt(i) for i in order[:5]], "bottom": [fmt(i) for i in order[-5:]]}


def main() -> int:
    """Score every benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default="nb101",
                    help="model under test: one model, a path or shipped name (default nb101, the model this page "
                         "reports; the universal bundle's zero-shot table is experiments/universal.py --table)")
    ap.add_argument("--baseline", default="nb101-text", help="the model to compare with (default nb101-text)")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=None, help="also write the results as JSON")
    args = ap.parse_args()

    model = TGNAS.pretrained(args.checkpoint)
    old = TGNAS.pretrained(args.baseline)
    card = model.card or {}
    print(f"model: {args.checkpoint} ({model.config.shape_features} shape features) - trained on "
          f"{model.training_summary()}; ensemble of {model.n_members}")
    print(f"baseline: {args.baseline} - trained on {old.training_summary()}")
    print(f"selection data: {card.get('selection_data', 'NB101 CV + NB301 500 (validation family)')}")
    rows = []
    skipped = []
    for name in ZERO_SHOT_BENCHMARKS:
        try:
            bench = load_benchmark(name, args.data_dir)
        except MissingDataError as exc:
            print(f"skipping {name}: {str(exc).splitlines()[0]}", file=sys.stderr)
            skipped.append(name)
            continue
        t = time.time()
        graphs = model.graphs(bench.archs, bench.space)
        new = model.score_graphs(graphs)
        seconds = time.time() - t
        y = np.asarray(bench.y, dtype=np.float64)
        flops, params, _ = network_costs(bench.archs, bench.space, bench.task)
        best = best_stored_proxy(name, args.data_dir)
        rho, tau = rank_correlations(new, y)
        rows.append({
            "benchmark": name, "n": len(y), "validation_family": name in SELECTION_FAMILIES,
            "old_rho": rank_correlations(old.score(bench.archs, bench.space), y)[0],
            "tgnas_rho": rho, "tgnas_tau": tau, "score_seconds": round(seconds, 3),
            "params_rho": rank_correlations(params, y)[0], "flops_rho": rank_correlations(flops, y)[0],
            "heuristic_rho": rank_correlations(np.array([param_heuristic(g) for g in graphs]), y)[0],
            "best_proxy": best[0], "best_proxy_rho": best[1], "best_proxy_n": best[2],
            "agree_flops": spearman(rank_last(new), flops),
        })
    if not rows:
        print(f"error: measured nothing: none of the {len(skipped)} benchmarks is in the data directory "
              f"{describe(args.data_dir)}; no result written", file=sys.stderr)
        return 1

    def f(v):
        return f"{v:6.3f}" if isinstance(v, float) and np.isfinite(v) else "     -"

    print(f"\n{'benchmark':<36} {'n':>6} {'old':>6} {'TG-NAS':>6} {'tau':>6} {'params':>6} {'FLOPs':>6} {'k-area':>6}  "
          f"{'best Suite-Zero proxy (n)':<26} {'agree':>6}")
    for r in rows:
        label = r["benchmark"] + (" (val)" if r["validation_family"] else "")
        best = f"{r['best_proxy']} {f(r['best_proxy_rho']).strip()} ({r['best_proxy_n']})"
        print(f"{label:<36} {r['n']:>6} {f(r['old_rho'])} {f(r['tgnas_rho'])} {f(r['tgnas_tau'])} {f(r['params_rho'])} "
              f"{f(r['flops_rho'])} {f(r['heuristic_rho'])}  {best:<26} {f(r['agree_flops'])}")
    keys = ("old_rho", "tgnas_rho", "params_rho", "flops_rho", "heuristic_rho")
    means = {k: float(np.mean([r[k] for r in rows])) for k in keys}
    print(f"{'mean over ' + str(len(rows)) + ' benchmarks':<36} {'':>6} {f(means['old_rho'])} {f(means['tgnas_rho'])} "
          f"{'':>6} {f(means['params_rho'])} {f(means['flops_rho'])} {f(means['heuristic_rho'])}")
    print("\nold = the previous shipped model (operator text only); params / FLOPs = exact analytic counts of each "
          "network "
          "as NASLib's measures count them (dead operators included); k-area = the older heuristic, conv kernel areas "
          "summed over live nodes; agree = Spearman(TG-NAS, FLOPs). NB301 (val) took part in model selection; NB201 "
          "and TNB101 labels were never used for training or selection.")

    macro = macro_report(model)
    print(f"\nTNB101-macro: {macro['n']} valid skeletons scored (no labels here); Spearman with analytic FLOPs "
          f"{macro['rho_flops']:.3f}, with params {macro['rho_params']:.3f}")
    for part in ("top", "bottom"):
        print(f"  {part} 5: "
              + ", ".join(f"{m['skeleton']} ({m['gflops']} GFLOPs, {m['mparams']} M)" for m in macro[part]))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"model": model.meta.get("trained_on"), "shape_features": model.config.shape_features,
                       "rows": rows, "means": means, "macro": macro, "skipped": skipped}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
