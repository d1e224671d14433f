"""Continuous encodings for evolution: a vector in [0, 1]^d decodes to one valid architecture.

Each categorical decision with ``n`` choices maps [0, 1] evenly onto them: index = min(floor(u * n), n - 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spaces import SearchSpace
from ..spaces.base import CellSpace
from ..spaces.darts import NUM_INTERMEDIATE
from ..spaces.darts import OPS as DARTS_OPS


def choice(u: float, n: int) -> int:
    """The index of the ``n`` equal slices of [0, 1] that holds ``u``."""
    return min(int(u * n), n - 1)


class Encoding:
    """Decodes a vector in [0, 1]^n_dims into a canonical architecture of ``space``."""

    n_dims: int

    def decode(self, u: np.ndarray) -> Any:
        """The architecture (canonical form) of one vector."""
        raise NotImplementedError


class EdgeOpEncoding(Encoding):
    """NB201 / TNB-micro: one operator decision per edge."""

    def __init__(self, n_edges: int, n_ops: int) -> None:
        self.n_dims, self.n_ops = n_edges, n_ops

    def decode(self, u: np.ndarray) -> tuple[int, ...]:
        """The op-index tuple."""
        return tuple(choice(float(x), self.n_ops) for x in u)


class DartsEncoding(Encoding):
    """DARTS: per cell and intermediate node, (first input, second input, op 1, op 2).

    The first input is chosen among the node's ``node`` predecessors, the second among the ``node - 1`` others,
    so the two inputs are always distinct: every vector decodes to a valid cell.
    """

    per_node = 4
    n_dims = 2 * NUM_INTERMEDIATE * per_node

    def decode(self, u: np.ndarray) -> tuple:
        """((input, op_name) x 8 per cell) for the normal and the reduction cell, pairs sorted per node."""
        cells, k = [], 0
        for _ in range(2):
            cell = []
            for node in range(2, 2 + NUM_INTERMEDIATE):
                first = choice(float(u[k]), node)
                second = choice(float(u[k + 1]), node - 1)
                second += second >= first  # skip over the first input
                ops = (choice(float(u[k + 2]), len(DARTS_OPS)), choice(float(u[k + 3]), len(DARTS_OPS)))
                cell += sorted([(first, DARTS_OPS[ops[0]]), (second, DARTS_OPS[ops[1]])])
                k += self.per_node
            cells.append(tuple(cell))
        return tuple(cells)


def encoding_for(space: SearchSpace) -> Encoding:
    """The continuous encoding of a supported search space."""
    if space.name == "nasbench301":
        return DartsEncoding()
    if isinstance(space, CellSpace):
        return EdgeOpEncoding(len(space.cell_edges), len(space.cell_ops))
    raise ValueError(f"no continuous encoding for the space {space.name!r}")
