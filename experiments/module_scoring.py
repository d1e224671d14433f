"""Scoring torch.nn.Modules: does a network built as a module score like the same network from its space adapter,
and how do classic and width-varying CNNs come out?

    TGNAS_DATA_DIR=/work/shared/benchmarks_data python experiments/module_scoring.py [--checkpoint NAME] [--n 200]

(a) ``--n`` architectures of each of NB201 (``nb201_cifar10_15625``), DARTS (``nb301_500``) and NAS-Bench-Macro
    (``nbmacro_cifar10_6561``), a seeded sample, are built as full ``nn.Module``s (``tgnas_naslib.modules.nets``),
    traced and scored; Spearman rho of the traced score against the adapter's score of the same architecture
    (``TGNAS.score(archs, space=...)``), and of both against the benchmark's label. For ``network``-representation
    models the two graphs are equal by construction (tests/test_network*.py), so this measures what a user sees.
(b) ResNet-18/34/50, MobileNetV2 and VGG-11-BN from the zoo, traced on 1x3x224x224; the expected ordering is printed
    before the scores.
(c) ``--n`` width-varying ResNet-18s (per-stage widths) and MobileNetV2s (per-stage multipliers), seeded, on
    1x3x32x32: rho of TG-NAS with the networks' FLOPs and params. There are no labels here: this shows how much of
    the model is a size count on such families, not how well it ranks them.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from tgnas_naslib import TGNAS
from tgnas_naslib.datasets import load_benchmark
from tgnas_naslib.modules import trace_module, zoo
from tgnas_naslib.modules.nets.darts import darts_network
from tgnas_naslib.modules.nets.nasbench201 import nb201_network
from tgnas_naslib.modules.nets.nasbench_macro import nasbench_macro_network
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
#: (space, benchmark, module factory) of part (a)
SPACES = (("nasbench201", "nb201_cifar10_15625", nb201_network),
          ("nasbench301", "nb301_500", darts_network),
          ("nasbench_macro", "nbmacro_cifar10_6561", nasbench_macro_network))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rho; -inf (disconnected) scores rank last."""
    return study_spearman(rank_last(a), rank_last(b))


def _input(traced, model):
    """What the model scores of a traced module: its skeleton for the default, else its graph."""
    return traced.skeleton if model.module_representation == "skeleton" else traced.graph


def part_a(model: TGNAS, n: int, seed: int, data_dir: str | None) -> None:
    print(f"(a) {n} architectures per space built as modules, traced ({model.module_representation} graphs) and "
          "scored, against the adapter's graph of the same architecture")
    print(f"    {'space':<16} {'traced vs adapter':>17} {'traced vs label':>15} {'adapter vs label':>16} "
          f"{'ms per trace':>12}")
    for space, name, factory in SPACES:
        try:
            bench = load_benchmark(name, data_dir)
        except MissingDataError as exc:
            print(f"    {space}: skipped ({str(exc).splitlines()[0]})")
            continue
        rng = np.random.default_rng(seed)
        idx = np.sort(rng.choice(len(bench.archs), size=min(n, len(bench.archs)), replace=False))
        archs = [bench.archs[i] for i in idx]
        y = np.asarray(bench.y, dtype=np.float64)[idx]
        adapter = model.score(archs, space=space)
        t = time.time()
        traced = [_input(trace_module(factory(a), (1, 3, 32, 32), representation=model.module_representation), model)
                  for a in archs]
        ms = 1000 * (time.time() - t) / len(archs)
        # the same member as the adapter's scores (a bundle scores a space with its member, a module with another)
        member = model.scoring_model(space) if hasattr(model, "scoring_model") else model
        scores = member.score_graphs(traced)
        d = model.describe(space)
        print(f"    {space:<16} {spearman(scores, adapter):>+17.3f} {spearman(scores, y):>+15.3f} "
              f"{spearman(adapter, y):>+16.3f} {ms:>12.0f}   scored by {d['member']} ({d['evaluation']})")


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
        tm = trace_module(net, shape, representation=model.module_representation)
        dt = time.time() - t
        scores[name] = float(model.score_graphs([_input(tm, model)])[0])
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


def width_families(n: int, seed: int) -> dict[str, list]:
    """Seeded width-varying ResNet-18s and MobileNetV2s (CIFAR-10 heads)."""
    rng = np.random.default_rng(seed)
    resnets = [zoo.ResNet(zoo.BasicBlock, (2, 2, 2, 2), 10, stem=int(rng.choice([16, 32, 64])),
                          widths=tuple(int(rng.choice([16, 32, 48, 64, 96, 128, 192, 256, 384, 512]))
                                       for _ in range(4)))
               for _ in range(n)]
    mobilenets = [zoo.MobileNetV2(10, stage_widths=[float(rng.choice([0.35, 0.5, 0.75, 1.0, 1.25, 1.5]))
                                                    for _ in range(7)]) for _ in range(n)]
    return {"width-varying ResNet-18": resnets, "width-varying MobileNetV2": mobilenets}


def part_c(model: TGNAS, n: int, seed: int) -> None:
    print(f"\n(c) {n} width-varying networks per family, traced on 1x3x32x32: agreement with size (no labels)")
    print(f"    {'family':<26} {'rho(TG-NAS, FLOPs)':>18} {'rho(TG-NAS, params)':>19} {'rho(FLOPs, params)':>18}")
    for family, nets in width_families(n, seed).items():
        graphs = [trace_module(m, (1, 3, 32, 32), representation="network").graph for m in nets]
        scored = [_input(trace_module(m, (1, 3, 32, 32), representation=model.module_representation), model)
                  for m in nets] if model.module_representation != "network" else graphs
        scores = model.score_graphs(scored)
        flops = np.array([g.cost.flops for g in graphs])
        params = np.array([g.cost.params for g in graphs])
        print(f"    {family:<26} {spearman(scores, flops):>+18.3f} {spearman(scores, params):>+19.3f} "
              f"{spearman(flops, params):>+18.3f}")


def main() -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="architectures per space in (a) and networks per family in (c)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--shape", default="1,3,224,224", help="input shape for part (b)")
    ap.add_argument("--checkpoint", default=None, help="model to score with: a shipped name or a checkpoint file")
    ap.add_argument("--parts", default="abc", help="which parts to run (subset of abc)")
    args = ap.parse_args()
    t0 = time.time()
    torch.set_num_threads(1)
    model = TGNAS.pretrained(args.checkpoint)
    print(f"model: {args.checkpoint or 'the shipped default'} - trained on {model.training_summary()}; "
          f"torch {torch.__version__}")
    if "a" in args.parts:
        part_a(model, args.n, args.seed, args.data_dir)
    if "b" in args.parts:
        part_b(model, tuple(int(s) for s in args.shape.split(",")))
    if "c" in args.parts:
        part_c(model, args.n, args.seed)
    print(f"\ntotal {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
