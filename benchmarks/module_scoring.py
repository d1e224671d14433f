"""Scoring torch.nn.Modules: does a traced network score like its cell, and how do classic CNNs come out?

    TGNAS_DATA_DIR=/work/shared/benchmarks_data python benchmarks/module_scoring.py [--n 200] [--cells 5]

(a) ``--n`` NAS-Bench-201 architectures (seeded sample of ``nb201_cifar10_15625``) are built as full
    nn.Modules by ``tgnas_naslib.modules.zoo.nb201_network`` (C=16, ``--cells`` cells per stage), traced with
    ``module_graph`` and scored; Spearman rho of that traced-graph score against the cell-graph score
    (``TGNAS.score(archs, space="nasbench201")``) and against the CIFAR-10 validation accuracy, next to the
    cell-graph score's own rho on the same architectures.
(b) ResNet-18/34/50, MobileNetV2 and VGG-11-BN from the zoo, traced on 1x3x224x224 and scored; the expected
    ordering is printed before the scores.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from tgnas_naslib import TGNAS
from tgnas_naslib.datasets import load_benchmark
from tgnas_naslib.modules import trace_module
from tgnas_naslib.modules import zoo
from tgnas_naslib.paths import MissingDataError
from tgnas_naslib.study.correlation import rank_last
from tgnas_naslib.study.correlation import spearman as study_spearman

ZOO = {"ResNet-18": zoo.resnet18, "ResNet-34": zoo.resnet34, "ResNet-50": zoo.resnet50,
       "MobileNetV2": zoo.mobilenet_v2, "VGG-11-BN": zoo.vgg11}
#: published ImageNet top-1 (%) of the reference definitions (VGG-11-BN with its 4096-wide head)
TOP1 = {"ResNet-18": 69.8, "ResNet-34": 73.3, "ResNet-50": 76.1, "MobileNetV2": 72.0, "VGG-11-BN": 70.4}
#: what we expect to hold, stated before looking: deeper ResNets >= shallower; residual nets >= plain VGG
EXPECT = [("ResNet-34", "ResNet-18"), ("ResNet-50", "ResNet-34"), ("ResNet-18", "VGG-11-BN"),
          ("MobileNetV2", "VGG-11-BN")]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rho; -inf (disconnected) scores rank last."""
    return study_spearman(rank_last(a), rank_last(b))


def part_a(model: TGNAS, n: int, cells: int, seed: int, data_dir: str | None) -> None:
    try:
        bench = load_benchmark("nb201_cifar10_15625", data_dir)
    except MissingDataError as exc:
        print(f"(a) skipped: {exc}", file=sys.stderr)
        return
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(bench.archs), size=n, replace=False))
    archs = [bench.archs[i] for i in idx]
    y = np.asarray(bench.y, dtype=np.float64)[idx]
    cell = model.score(archs, space="nasbench201")
    t = time.time()
    traced = [trace_module(zoo.nb201_network(a, C=16, N=cells), (1, 3, 32, 32)) for a in archs]
    t_trace = time.time() - t
    t = time.time()
    full = model.score_graphs([tm.graph for tm in traced])
    t_score = time.time() - t
    nodes = np.array([tm.graph.num_nodes for tm in traced])
    dis_cell, dis_full = ~np.isfinite(cell), ~np.isfinite(full)
    conn = ~dis_cell & ~dis_full
    print(f"(a) NAS-Bench-201, {n} architectures (seed {seed}) of nb201_cifar10_15625 as full networks "
          f"(C=16, N={cells} cells per stage, {3 * cells} cells + 2 reduction blocks)")
    print(f"    traced {n} nets in {t_trace:.1f} s ({1000 * t_trace / n:.0f} ms each), scored in {t_score:.1f} s; "
          f"{nodes[~dis_full].min() if (~dis_full).any() else 0}-{nodes.max()} nodes per connected graph "
          f"(median {int(np.median(nodes[~dis_full])) if (~dis_full).any() else 0})")
    print(f"    disconnected (no input->output path): cell graph {dis_cell.sum()}, traced graph {dis_full.sum()}, "
          f"agreeing on {(dis_cell == dis_full).sum()}/{n}")
    print(f"    Spearman rho  traced vs cell-graph score : {spearman(full, cell):+.3f}   "
          f"(connected only: {spearman(full[conn], cell[conn]):+.3f}, n={conn.sum()})")
    print(f"    Spearman rho  traced vs CIFAR-10 val acc : {spearman(full, y):+.3f}   "
          f"(connected only: {spearman(full[conn], y[conn]):+.3f})")
    print(f"    Spearman rho  cell   vs CIFAR-10 val acc : {spearman(cell, y):+.3f}   "
          f"(connected only: {spearman(cell[conn], y[conn]):+.3f})   [reference]")


def part_b(model: TGNAS, shape: tuple[int, ...]) -> None:
    print(f"\n(b) reference CNNs from tgnas_naslib.modules.zoo, traced on {'x'.join(map(str, shape))}")
    print("    expected beforehand (published ImageNet top-1 "
          + ", ".join(f"{k} {v}" for k, v in sorted(TOP1.items(), key=lambda kv: -kv[1])) + "):")
    print("      " + "; ".join(f"{a} >= {b}" for a, b in EXPECT))
    print(f"    {'model':<12} {'params':>7} {'nodes':>5} {'edges':>5} {'trace s':>7} {'score':>8}")
    scores = {}
    for name, make in ZOO.items():
        torch.manual_seed(0)
        net = make()
        t = time.time()
        tm = trace_module(net, shape)
        dt = time.time() - t
        scores[name] = float(model.score_graphs([tm.graph])[0])
        params = sum(p.numel() for p in net.parameters()) / 1e6
        print(f"    {name:<12} {params:6.1f}M {tm.graph.num_nodes:>5} {len(tm.graph.edges):>5} {dt:7.2f} "
              f"{scores[name]:8.4f}")
        del net
    order = sorted(scores, key=lambda k: -scores[k])
    print("    came out: " + " > ".join(order))
    for a, b in EXPECT:
        ok = scores[a] >= scores[b]
        print(f"      {a} >= {b}: {'yes' if ok else 'NO'} ({scores[a]:.4f} vs {scores[b]:.4f})")
    names = list(TOP1)
    rho = study_spearman(np.array([scores[k] for k in names]), np.array([TOP1[k] for k in names]))
    print(f"    Spearman rho vs published top-1 over these 5: {rho:+.2f} (5 points: anecdotal)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="NB201 architectures to build, trace and score")
    ap.add_argument("--cells", type=int, default=5, help="NB201 cells per stage (N; the benchmark's is 5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--shape", default="1,3,224,224", help="input shape for part (b)")
    ap.add_argument("--checkpoint", default=None,
                    help="model to score with: nb101 (default, shape-aware), nb101-text, or a checkpoint file")
    args = ap.parse_args()
    t0 = time.time()
    model = TGNAS.from_spec(args.checkpoint)
    print(f"model: {args.checkpoint or 'nb101 (shipped, shape-aware)'} - trained on {model.training_summary()}")
    trained = model.meta.get("trained_on", {})
    print(f"model: shipped TG-NAS ({trained.get('space')}, {trained.get('n_archs')} archs), torch {torch.__version__}")
    part_a(model, args.n, args.cells, args.seed, args.data_dir)
    part_b(model, tuple(int(s) for s in args.shape.split(",")))
    print(f"\ntotal {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
