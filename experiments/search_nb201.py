"""Architecture search with TG-NAS on NAS-Bench-201: evolution, pruning, hybrid and random search, 10 seeds each.

    TGNAS_DATA_DIR=/path/to/benchmarks_data python experiments/search_nb201.py [--seeds 10] [--budget 500]

The searches see TG-NAS scores only; the found architectures' NASLib validation accuracies (cifar10 / cifar100 /
ImageNet16-120) and CIFAR-10 rank among all 15,625 are looked up afterwards. Random search scores as many
architectures as evolution. Evolution and random search use the default model (``--checkpoint``); pruning and hybrid
score supernets, which only a cell-graph model reads (the default refuses them in one line), so they run with
``--prune-checkpoint`` (default ``nb101``). Also runs DARTS (NB301) evolution searches; NB301 has no ground truth for
arbitrary cells, so a found cell is only placed among the 500 labelled NB301 cells by TG-NAS score (not ground
truth).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tgnas_naslib import TGNAS
from tgnas_naslib.datasets import load_benchmark
from tgnas_naslib.search import SEARCHERS, default_budget, search
from tgnas_naslib.search.ground_truth import lookup, rank_of

TASKS = ("cifar10", "cifar100", "ImageNet16-120")


def _ms(values: list[float], fmt: str = ".2f") -> str:
    return f"{np.mean(values):{fmt}} ± {np.std(values):{fmt}}"


def run_nb201(model: TGNAS, prune_model: TGNAS, seeds: int, budget: int, data_dir: str | None) -> list[dict]:
    """One row per method: the found architectures' ground truth (mean ± std over seeds) and wall time."""
    rows = []
    for method in SEARCHERS:
        b = None if method in ("prune", "hybrid") else budget  # prune: its fixed cost; hybrid: prune + evolution
        m = prune_model if method in ("prune", "hybrid") else model
        runs = [search(method, m, "nasbench201", budget=b, seed=s) for s in range(seeds)]
        truth = [lookup("nasbench201", r.arch, data_dir)["tasks"] for r in runs]
        if not all(truth):
            raise SystemExit("NB201 ground truth not found: set TGNAS_DATA_DIR or pass --data-dir")
        rows.append({
            "method": method, "budget": runs[0].budget, "n_scored": [r.n_scored for r in runs],
            "acc": {t: [g[t]["val_accuracy"] for g in truth] for t in TASKS},
            "rank": [g["cifar10"]["rank"] for g in truth], "seconds": [r.seconds for r in runs],
            "distinct": len({r.arch for r in runs}), "score": [r.score for r in runs],
            "model": f"{runs[0].model['member']} ({runs[0].model['evaluation']})",
        })
    return rows


def exhaustive_reference(model: TGNAS, data_dir: str | None) -> dict:
    """Score all 15,625 NB201 cells: the TG-NAS optimum's ground truth is the ceiling of any TG-NAS search."""
    from tgnas_naslib.spaces import get_space

    space = get_space("nasbench201")
    archs = list(space.enumerate())
    t0 = time.perf_counter()
    scores = model.score(archs, space=space.name)
    seconds = time.perf_counter() - t0
    best = archs[int(np.argmax(scores))]
    return {"arch": space.format(best), "score": float(scores.max()), "seconds": seconds,
            "truth": lookup(space.name, best, data_dir)["tasks"]}


def darts_example(model: TGNAS, seeds: int, data_dir: str | None) -> None:
    """DARTS evolution searches (seeds 0..); each found cell placed among the 500 labelled NB301 cells by score."""
    runs = [search("evolution", model, "darts", seed=s) for s in range(seeds)]
    print(f"\nDARTS / NB301 evolution, {seeds} seeds, budget {runs[0].budget}, scored by {runs[0].model['member']} "
          f"({runs[0].model['evaluation']}): {_ms([r.n_scored for r in runs], '.0f')} archs scored in "
          f"{_ms([r.seconds for r in runs])} s; TG-NAS score {_ms([r.score for r in runs], '.3f')}; "
          f"{len({r.arch for r in runs})} distinct cells; seed 0's:\n  {runs[0].arch_str}")
    try:
        bench = load_benchmark("nb301_500", data_dir)
    except FileNotFoundError:
        return
    labelled = model.score(bench.archs, space="nasbench301")
    ranks = [rank_of(r.score, labelled) for r in runs]
    print(f"  TG-NAS rank among the 500 labelled NB301 cells: {ranks} / 501 (by TG-NAS score, NOT ground truth: "
          f"NB301 has no accuracy for these cells); best labelled val acc {np.nanmax(bench.y):.2f}")


def main() -> int:
    """Run and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=default_budget("nasbench201"),
                    help="architectures scored by evolution and random search")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--checkpoint", default=None, help="the model of evolution and random search (default: universal)")
    ap.add_argument("--prune-checkpoint", default="nb101", help="the cell-graph model of prune and hybrid")
    ap.add_argument("--no-darts", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    model = TGNAS.pretrained(args.checkpoint)
    load = time.perf_counter() - t0
    ref = exhaustive_reference(model, args.data_dir)
    rows = run_nb201(model, TGNAS.pretrained(args.prune_checkpoint), args.seeds, args.budget, args.data_dir)
    best = {t: float(np.nanmax(load_benchmark(f"nb201_{t}_15625", args.data_dir).y)) for t in TASKS}

    print(f"NB201, {args.seeds} seeds per method; found architecture's NASLib VALIDATION accuracy (mean ± std), "
          f"CIFAR-10 rank among 15,625 (1 = best); time = search only (model load {load:.2f} s, once)")
    print("| method | model | budget | scored | TG-NAS score | TG-NAS optimum found | CIFAR-10 | CIFAR-100 | "
          "ImageNet16-120 | C10 rank mean (median) | C10 top 1% | distinct archs | time (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        top1 = sum(k <= 15625 // 100 for k in r["rank"])
        hits = sum(s >= ref["score"] - 1e-6 for s in r["score"]) if "nb101" not in r["model"] else "-"
        print(f"| {r['method']} | {r['model']} | {r['budget']} | {np.mean(r['n_scored']):.0f} | "
              f"{_ms(r['score'], '.3f')} | {hits}/{len(r['score'])} | {_ms(r['acc']['cifar10'])} | "
              f"{_ms(r['acc']['cifar100'])} | {_ms(r['acc']['ImageNet16-120'])} | {np.mean(r['rank']):.0f} "
              f"({np.median(r['rank']):.0f}) | {top1}/{len(r['rank'])} | {r['distinct']} | {_ms(r['seconds'])} |")
    print(f"best possible (max NASLib val acc over 15,625): {best['cifar10']:.2f} / {best['cifar100']:.2f} / "
          f"{best['ImageNet16-120']:.2f}; the arch best by CIFAR-10 *test* accuracy "
          "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2| "
          "has 90.93 / 73.18 / 46.43 val")
    t = ref["truth"]
    print(f"ceiling: the TG-NAS optimum over all 15,625 ({ref['seconds']:.1f} s to score them all), {ref['arch']} "
          f"(score {ref['score']:.4f}), has val acc {t['cifar10']['val_accuracy']:.2f} / "
          f"{t['cifar100']['val_accuracy']:.2f} / {t['ImageNet16-120']['val_accuracy']:.2f}, CIFAR-10 rank "
          f"{t['cifar10']['rank']} (top {t['cifar10']['top_percent']:.2f}%)")
    if not args.no_darts:
        darts_example(model, args.seeds, args.data_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
