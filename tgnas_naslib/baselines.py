"""Free baselines computed from the same ArchGraph: the parameter-count heuristic TG-NAS must beat."""

from __future__ import annotations

import re

from .graph import ArchGraph

_KERNEL = re.compile(r"(\d+)x(\d+)")


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
