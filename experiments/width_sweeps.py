"""The size properties of a TG-NAS model on networks no benchmark labels (issue 26, docs/hierarchical.md).

    python experiments/width_sweeps.py [--checkpoint universal] [--n 200] [--members]

Property 1 (no labels needed): on per-layer width variations of a fixed network (CIFAR ResNet-18- and
MobileNetV2-style, traced like any module; every block's inner width drawn from {0.25, 0.5, 0.75, 1} x its base
width, and the block outputs of each stage together, so that the network keeps its residual connections), the score
agrees with exact FLOPs (Spearman; target >= .8). Property 2: widening every layer by the same factor (0.25 -> 0.5 ->
0.75 -> 1.0) or adding a repeat of a block never lowers the score; printed as the fraction of such pairs in order,
on ResNet / MobileNet sweeps, NAS-Bench-201 networks at C = 8..64 (and N = 5 -> 6 cells per stage) and NAS-Bench-Macro
networks at scaled widths. ``--members``: every member of a bundle, not just the one that scores modules.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

FACTORS = (0.25, 0.5, 0.75, 1.0)


def _skeleton(net, size: int = 32):
    from tgnas_naslib.modules.trace import module_graph

    return module_graph(net, (1, 3, size, size), True, "skeleton")


def _spearman(a, b) -> float:
    from tgnas_naslib.study.correlation import spearman

    return float(spearman(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))


#: per network family: which width entries are a block's output (shared by a stage, so that residual connections
#: stay where the base network has them) and which are free (a block's inner width: expansion, bottleneck)
STAGES = {"resnet": ((0, 2, 4), (6, 8), (10, 12), (14, 16)),
          "mobilenet": ((0, 2, 4), (6, 8, 10), (12, 14, 16), (18,))}


def random_widths(family: str, rng: np.random.Generator) -> list[int]:
    """Per-layer widths of a base network: every inner width drawn from FACTORS x its base, and one draw per stage
    for the block outputs of the stage (the stem goes with the first stage), so that the network stays the same
    network, residual connections and projections where the base has them: only channel counts change."""
    from tgnas_naslib.modules import zoo

    base = list(zoo.RESNET_WIDTHS if family == "resnet" else zoo.MOBILENET_WIDTHS)
    while True:  # a draw that would add or drop a residual connection (two stages' widths meeting) is drawn again
        widths = [max(4, int(round(c * rng.choice(FACTORS)))) for c in base]
        for stage in STAGES[family]:
            f = rng.choice(FACTORS)
            for i in stage:
                widths[i] = max(4, int(round(base[i] * f)))
        if _topology(family, widths) == _topology(family, base):
            return widths


def _topology(family: str, widths: list[int]) -> tuple[bool, ...]:
    """Per block: does its input width equal its output width (a residual add, or no projection)?"""
    outs = STAGES[family]
    flat = [i for stage in outs for i in stage if i]
    ins = [0] + flat[:-1]
    return tuple(widths[a] == widths[b] for a, b in zip(ins, flat))


def width_variants(family: str, n: int, seed: int = 0) -> list:
    """``n`` skeletons of one network with random per-layer widths (:func:`random_widths`)."""
    from tgnas_naslib.modules import zoo

    rng = np.random.default_rng(seed)
    make = zoo.cifar_resnet if family == "resnet" else zoo.cifar_mobilenet
    return [_skeleton(make(random_widths(family, rng))) for _ in range(n)]


def ordered_pairs(model, n_bases: int = 10, seed: int = 1) -> dict[str, tuple[int, int]]:
    """(pairs in order, pairs) for uniform widening and for an added repeat, per sweep family."""
    from tgnas_naslib.modules import zoo
    from tgnas_naslib.modules.nets.nasbench201 import nb201_network
    from tgnas_naslib.modules.nets.nasbench_macro import NasBenchMacroNetwork
    from tgnas_naslib.spaces import get_space

    rng = np.random.default_rng(seed)
    out: dict[str, tuple[int, int]] = {}

    def chain(name: str, skeletons: list) -> None:
        scores = model.score_graphs(skeletons)
        good, total = out.get(name, (0, 0))
        out[name] = (good + int(np.sum(np.diff(scores) >= 0)), total + len(scores) - 1)

    for _ in range(n_bases):
        res, mob = random_widths("resnet", rng), random_widths("mobilenet", rng)
        chain("ResNet widen x f", [_skeleton(zoo.cifar_resnet([max(4, int(c * f)) for c in res])) for f in FACTORS])
        chain("MobileNet widen x f",
              [_skeleton(zoo.cifar_mobilenet([max(4, int(c * f)) for c in mob])) for f in FACTORS])
        depth = [2, 2, 2, 2]
        stage = int(rng.integers(4))
        deeper = list(depth)
        deeper[stage] += 1
        chain("ResNet + a block", [_skeleton(zoo.cifar_resnet(res, depth)), _skeleton(zoo.cifar_resnet(res, deeper))])
        strides = list(zoo.MOBILENET_STRIDES)
        chain("MobileNet + a block", [_skeleton(zoo.cifar_mobilenet(mob, strides)),
                                      _skeleton(zoo.cifar_mobilenet(mob, strides + [1]))])
        cell = get_space("nasbench201").random(rng)
        while not get_space("nasbench201").to_graph(cell).is_connected:
            cell = get_space("nasbench201").random(rng)
        chain("NB201 C = 8, 16, 32, 64", [_skeleton(nb201_network(cell, C=c)) for c in (8, 16, 32, 64)])
        chain("NB201 N = 5 -> 6", [_skeleton(nb201_network(cell, N=k)) for k in (5, 6)])
        codes = get_space("nasbench_macro").random(rng)
        chain("NB-Macro widths x f", [_skeleton(NasBenchMacroNetwork(codes, 10, (2, 3, 3), max(4, int(32 * f)),
                                                                     max(8, int(1280 * f)))) for f in FACTORS])
    return out


def report(model, label: str, n: int) -> None:
    """Print both properties for one model."""
    print(f"\n{label}")
    for family in ("resnet", "mobilenet"):
        sks = width_variants(family, n)
        scores = model.score_graphs(sks)
        flops = [s.cost.flops for s in sks]
        params = [s.cost.params for s in sks]
        print(f"  property 1, {family:<9} n={n}: Spearman with FLOPs {_spearman(scores, flops):+.3f}, with params "
              f"{_spearman(scores, params):+.3f} (FLOPs vs params {_spearman(flops, params):+.3f})")
    for name, (good, total) in ordered_pairs(model).items():
        print(f"  property 2, {name:<24} {good}/{total} pairs in order")


def main(argv: list[str] | None = None) -> int:
    """Print the properties of a model (and, with ``--members``, of every member of a bundle)."""
    from tgnas_naslib import TGNAS

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default=None, help="a shipped model or checkpoint (default: universal)")
    ap.add_argument("--n", type=int, default=200, help="width variants per network family (default 200)")
    ap.add_argument("--members", action="store_true", help="every member of a bundle")
    args = ap.parse_args(argv)
    model = TGNAS.pretrained(args.checkpoint)
    d = model.describe(None)
    report(model, f"{d['model']} (modules scored by {d['member']})", args.n)
    if args.members and hasattr(model, "member_names"):
        for family, name in model.member_names().items():
            if family != "all":
                report(TGNAS.pretrained(name), name, args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
