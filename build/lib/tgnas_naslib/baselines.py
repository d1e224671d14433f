"""Free baselines computed from the same ArchGraph, which TG-NAS must beat: the network's exact FLOPs and parameters
(from the adapters' network definitions, counted as NASLib's ``flops`` / ``params`` measures count them) and the
older kernel-area heuristic."""

from __future__ import annotations

import re

import numpy as np

from .graph import ArchGraph, ArchitectureError

_KERNEL = re.compile(r"(\d+)x(\d+)")
#: the analytic data-free baselines by name (values per graph; higher = bigger network)
ANALYTIC = ("flops", "params")


def analytic(graph: ArchGraph, name: str) -> float:
    """Whole-network ``flops`` or ``params`` of a graph built with shape context (dead operators included, as the
    network computes them); NaN when there is no network (a NB101 cell without input->output path)."""
    if name not in ANALYTIC:
        raise ValueError(f"unknown analytic baseline {name!r}; choose from {', '.join(ANALYTIC)}")
    if graph.cost is None:
        if not graph.is_connected:
            return float("nan")
        raise ArchitectureError(f"a {graph.space!r} graph without shape context has no {name} "
                                "(build it with a space adapter or tgnas_naslib.modules.module_graph)")
    return float(graph.cost.flops if name == "flops" else graph.cost.params)


def network_costs(archs: list, space: str, task: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """Exact whole-network FLOPs and params of each architecture on its benchmark's network (``task`` where the space
    has per-task networks, else its default), and that network's name; NaN where an arch builds no network (a NB101
    cell without input->output path): absent, not zero."""
    from .spaces import get_space

    adapter = get_space(space)
    dataset = task if task in adapter.datasets else None
    flops = np.full(len(archs), np.nan)
    params = np.full(len(archs), np.nan)
    for i, arch in enumerate(archs):
        try:
            cost = adapter.cost(arch, dataset)
        except ArchitectureError:
            continue
        flops[i], params[i] = cost.flops, cost.params
    return flops, params, f"{adapter.name} network ({dataset or adapter.datasets[0]})"


def analytic_scores(graphs: list[ArchGraph], name: str) -> np.ndarray:
    """``analytic`` for many graphs."""
    return np.array([analytic(g, name) for g in graphs], dtype=np.float64)


def op_weight(op: str) -> int:
    """Kernel area of a convolution operator (conv3x3 -> 9, conv1x1 -> 1, sep_conv_5x5 -> 25); 0 otherwise."""
    name = op.lower()
    if "conv" not in name and "resnet" not in name:
        return 0
    if "resnet" in name:  # a basic block: two 3x3 convolutions
        return 18
    m = _KERNEL.search(name)
    return int(m.group(1)) * int(m.group(2)) if m else 1


def param_heuristic(graph: ArchGraph) -> float:
    """Sum of convolution kernel areas over the live nodes (the graph is already pruned); 0 if disconnected."""
    if not graph.is_connected:
        return 0.0
    return float(sum(op_weight(op) for op in graph.ops))
