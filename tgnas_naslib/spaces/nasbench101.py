"""Where NAS-Bench-101 cells become graphs: spec dicts {matrix, ops} and NASLib's 56-tuples (pruned)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..graph import ArchGraph, ArchitectureError
from .base import SearchSpace, int_tuple, literal, plain

#: NB101 op codes of NASLib's 56-tuple hash
OPS = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
NUM_NODES = 7


def spec_to_tuple(matrix: Any, ops: Any) -> tuple[int, ...]:
    """Encode a 7-node spec as NASLib's 56-tuple (flattened 7x7 adjacency then 7 op codes)."""
    mat = np.asarray(matrix)
    if mat.shape != (NUM_NODES, NUM_NODES):
        raise ArchitectureError(f"the 56-tuple needs a 7x7 matrix, got {mat.shape}")
    return tuple(int(v) for v in mat.flatten()) + tuple(OPS.index(o) for o in ops)


class NasBench101(SearchSpace):
    """NAS-Bench-101: up to 7 nodes (ops on nodes), 3 operators, at most 9 edges."""

    name = "nasbench101"
    aliases = ("nb101", "nas-bench-101")
    operators = OPS[2:]

    def canonical(self, arch: Any) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]:
        """Accept a spec dict {matrix, ops}, a (matrix, ops) pair, or the 56-tuple; return (matrix, ops)."""
        if isinstance(arch, str):
            arch = literal(arch, "NAS-Bench-101 architecture")
        if isinstance(arch, Mapping) or (hasattr(arch, "matrix") and hasattr(arch, "ops")):
            try:
                matrix = arch["matrix"] if isinstance(arch, Mapping) else arch.matrix
                ops = arch["ops"] if isinstance(arch, Mapping) else arch.ops
            except KeyError as exc:
                raise ArchitectureError(f"NAS-Bench-101 spec dict lacks {exc}; need 'matrix' and 'ops'") from None
        else:
            arch = plain(arch)
            if isinstance(arch, tuple) and len(arch) == 2 and isinstance(arch[1], tuple) and arch[1] \
                    and isinstance(arch[1][0], str):
                matrix, ops = arch
            else:
                flat = int_tuple(arch, NUM_NODES * NUM_NODES + NUM_NODES, 0, len(OPS) - 1,
                                 "NAS-Bench-101 56-tuple")
                matrix = np.array(flat[:49]).reshape(NUM_NODES, NUM_NODES)
                ops = tuple(OPS[c] for c in flat[49:])
        mat = np.asarray(plain(matrix))
        ops = tuple(str(o) for o in ops)
        if mat.ndim != 2 or mat.shape[0] != mat.shape[1] or mat.shape[0] != len(ops):
            raise ArchitectureError(
                f"NAS-Bench-101 spec: matrix shape {mat.shape} does not match {len(ops)} ops"
            )
        if not np.isin(mat, (0, 1)).all():
            raise ArchitectureError("NAS-Bench-101 spec: matrix entries must be 0 or 1")
        if np.tril(mat).any():
            raise ArchitectureError(
                "NAS-Bench-101 spec: matrix must be strictly upper-triangular (a DAG in node order); "
                f"found edges {[(int(a), int(b)) for a, b in zip(*np.nonzero(np.tril(mat)))]} pointing backwards"
            )
        if ops[0] != "input" or ops[-1] != "output":
            raise ArchitectureError(f"NAS-Bench-101 spec: ops must start with 'input' and end with 'output', got {ops}")
        return tuple(tuple(int(v) for v in row) for row in mat), ops

    def graph(self, arch: tuple, representation: str = "prune") -> ArchGraph:
        """Ops are already on nodes; nodes off every input->output path are pruned."""
        matrix, ops = arch
        return ArchGraph.from_adjacency(np.array(matrix), ops, space=self.name)

    def format(self, arch: Any) -> str:
        """``{'matrix': [...], 'ops': [...]}``."""
        matrix, ops = self.canonical(arch)
        return str({"matrix": [list(r) for r in matrix], "ops": list(ops)})
