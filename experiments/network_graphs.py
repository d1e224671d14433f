"""Size and speed of the ``network`` representation per space: nodes per graph, building it, tracing the module.

    TGNAS_DATA_DIR=/work/shared/benchmarks_data python experiments/network_graphs.py [--trace 5] [--nb201 3000]

Over the stored labelled architectures of each space (NB101 500, NB301 500, every TNB101-micro cell and macro
skeleton; a seeded sample of ``--nb201`` NB201 cells for comparison): nodes per network graph (mean / max), and the
milliseconds one ``adapter.network_graph(arch)`` takes (building the layers, folding, collapsing repeats). Then
``--trace`` seeded archs per space are built as modules (:mod:`tgnas_naslib.modules.nets`) and traced with
``trace_module`` on the benchmark's input size: seconds per trace, and whether each equals the adapter's graph.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any, Callable

import numpy as np

from tgnas_naslib.datasets import load_benchmark
from tgnas_naslib.modules import trace_module
from tgnas_naslib.modules.nets.darts import darts_network
from tgnas_naslib.modules.nets.nasbench101 import nb101_network
from tgnas_naslib.modules.nets.nasbench201 import nb201_network
from tgnas_naslib.modules.nets.transbench101 import tnb101_macro_network, tnb101_micro_network
from tgnas_naslib.spaces import get_space


def _spaces(nb201: int) -> list[tuple[str, list, Callable[[Any], Any], int]]:
    """(space, canonical archs, module factory, input size) per space."""
    rng = random.Random(0)
    out = []
    for space, source, factory, size in (
            ("nasbench201", None, nb201_network, 32), ("nasbench101", "nb101_500", nb101_network, 32),
            ("nasbench301", "nb301_500", darts_network, 32),
            ("transbench101_micro", None, tnb101_micro_network, 256),
            ("transbench101_macro", None, tnb101_macro_network, 256)):
        adapter = get_space(space)
        if source:
            archs = [adapter.canonical(r.arch) for r in load_benchmark(source).records]
        else:
            archs = list(adapter.enumerate())
        if space == "nasbench201":
            archs = rng.sample(archs, min(nb201, len(archs)))
        out.append((space, archs, factory, size))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", type=int, default=5, help="archs per space to build as modules and trace")
    parser.add_argument("--nb201", type=int, default=3000, help="NB201 cells to sample (of 15,625)")
    args = parser.parse_args()
    print(f"{'space':22s} {'archs':>6s} {'nodes mean':>10s} {'max':>5s} {'ms/graph':>9s} "
          f"{'trace s mean':>12s} {'max':>6s} {'equal':>6s}")
    for space, archs, factory, size in _spaces(args.nb201):
        adapter = get_space(space)
        start = time.perf_counter()
        graphs = [adapter.network_graph(a) for a in archs]
        ms = 1000 * (time.perf_counter() - start) / len(archs)
        nodes = np.array([g.num_nodes for g in graphs])
        picked = random.Random(1).sample(range(len(archs)), min(args.trace, len(archs)))
        seconds, equal = [], 0
        for i in picked:
            module = factory(archs[i])
            start = time.perf_counter()
            traced = trace_module(module, (1, 3, size, size)).graph
            seconds.append(time.perf_counter() - start)
            g = graphs[i]
            equal += (traced.ops, traced.edges, traced.shapes, traced.cost) == (g.ops, g.edges, g.shapes, g.cost)
        print(f"{space:22s} {len(archs):6d} {nodes.mean():10.1f} {nodes.max():5d} {ms:9.2f} "
              f"{np.mean(seconds):12.2f} {max(seconds):6.2f} {equal:3d}/{len(picked)}")


if __name__ == "__main__":
    main()
