"""Where NAS-Bench-201 cells become graphs: NASLib 6-tuples and benchmark strings ``|op~0|+|op~0|op~1|+|...|``."""

from __future__ import annotations

import re
from typing import Any

from ..graph import ArchitectureError
from .base import CellSpace, int_tuple

#: NASLib op indices (0=Identity, 1=Zero, 2=ReLUConvBN3x3, 3=ReLUConvBN1x1, 4=AvgPool) in benchmark names
OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
#: NASLib edge order of the 6-tuple: (0->1, 0->2, 0->3, 1->2, 1->3, 2->3); node 0 input, node 3 output
EDGES = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
# position in the benchmark string (|a~0|+|b~0|c~1|+|d~0|e~1|f~2|) -> tuple index
_STRING_ORDER = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
_TOKEN = re.compile(r"^([A-Za-z0-9_]+)~(\d+)$")


def parse_string(text: str) -> tuple[int, ...]:
    """Parse a NB201 benchmark string into NASLib's 6-tuple of op indices, or raise naming the problem."""
    s = text.strip()
    nodes = s.split("+")
    if len(nodes) != 3:
        raise ArchitectureError(
            f"malformed NAS-Bench-201 string {text!r}: expected 3 nodes separated by '+', got {len(nodes)}"
        )
    found: dict[tuple[int, int], int] = {}
    for dst, node in enumerate(nodes, start=1):
        if not (node.startswith("|") and node.endswith("|")) or len(node) < 3:
            raise ArchitectureError(f"malformed NAS-Bench-201 string {text!r}: node {dst} {node!r} is not '|op~i|...|'")
        tokens = node[1:-1].split("|")
        if len(tokens) != dst:
            raise ArchitectureError(
                f"malformed NAS-Bench-201 string {text!r}: node {dst} needs {dst} inputs, got {len(tokens)}"
            )
        for token in tokens:
            m = _TOKEN.match(token)
            if not m:
                raise ArchitectureError(f"malformed NAS-Bench-201 string {text!r}: bad edge {token!r} (want op~i)")
            op, src = m.group(1), int(m.group(2))
            if op not in OPS:
                raise ArchitectureError(f"unknown NAS-Bench-201 operator {op!r} in {text!r}; known: {', '.join(OPS)}")
            if src >= dst or (src, dst) in found:
                raise ArchitectureError(f"malformed NAS-Bench-201 string {text!r}: edge {src}->{dst} is invalid")
            found[(src, dst)] = OPS.index(op)
    return tuple(found[e] for e in EDGES)


def to_string(arch: tuple[int, ...]) -> str:
    """Format a NASLib 6-tuple as the NB201 benchmark string."""
    idx = {e: i for i, e in enumerate(EDGES)}
    parts = []
    for dst in (1, 2, 3):
        parts.append("|" + "|".join(f"{OPS[arch[idx[(s, dst)]]]}~{s}" for s in range(dst)) + "|")
    return "+".join(parts)


class NasBench201(CellSpace):
    """NAS-Bench-201: 4-node cell, 6 edges, 5 operators; 15,625 architectures."""

    name = "nasbench201"
    aliases = ("nb201", "nas-bench-201")
    cell_ops = OPS
    cell_edges = EDGES

    def canonical(self, arch: Any) -> tuple[int, ...]:
        """Accept a 6-tuple (or list/array/string of one) or a benchmark string."""
        if isinstance(arch, str) and "~" in arch:
            return parse_string(arch)
        return int_tuple(arch, 6, 0, len(OPS) - 1, "NAS-Bench-201 op-index tuple")

    def format(self, arch: Any) -> str:
        """The benchmark string."""
        return to_string(self.canonical(arch))
