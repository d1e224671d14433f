"""What every search-space adapter provides, and the helpers they share."""

from __future__ import annotations

import ast
import itertools
from abc import ABC, abstractmethod
from typing import Any, Iterator, Sequence

import numpy as np

from ..graph import ArchGraph, ArchitectureError, edge_op_graph

#: How ``none`` and identity edges enter the graph. "prune": ``none`` edges are dropped, dead nodes pruned and
#: skip connections become plain edges (NB101, the training space, has no such nodes: identity there is just an
#: edge). "ops": ``none`` and skip are kept as operator nodes.
REPRESENTATIONS = ("prune", "ops")
DEFAULT_REPRESENTATION = "prune"


def check_representation(representation: str) -> str:
    """Validate a representation name."""
    if representation not in REPRESENTATIONS:
        raise ValueError(f"unknown graph representation {representation!r}; choose from {REPRESENTATIONS}")
    return representation


def plain(value: Any) -> Any:
    """Recursively turn numpy scalars/arrays and lists into plain Python ints/floats and tuples."""
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def literal(text: str, what: str) -> Any:
    """Parse a Python/JSON literal such as ``"(1, 2, 3)"`` or ``"[[(0, 4), ...], [...]]"``, or fail clearly."""
    try:
        return plain(ast.literal_eval(text.strip()))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ArchitectureError(f"cannot parse {what} {text!r}") from None


def int_tuple(value: Any, length: int | Sequence[int], low: int, high: int, what: str) -> tuple[int, ...]:
    """Validate a flat tuple of op indices: its length and each value in [low, high]."""
    if isinstance(value, str):
        value = literal(value, what)
    if not (type(value) is tuple and all(type(v) is int for v in value)):  # fast path for plain tuples
        value = plain(value)
    if not isinstance(value, tuple):
        raise ArchitectureError(f"{what} must be a tuple of ints, got {type(value).__name__}: {value!r:.120}")
    lengths = (length,) if isinstance(length, int) else tuple(length)
    if len(value) not in lengths:
        raise ArchitectureError(
            f"{what} must have {' or '.join(map(str, lengths))} entries, got {len(value)}: {value!r:.200}"
        )
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ArchitectureError(f"{what} entry {i} is {v!r}, not an int")
        if not low <= v <= high:
            raise ArchitectureError(f"{what} entry {i} is {v}, outside the valid op indices {low}..{high}")
    return value


class SearchSpace(ABC):
    """A search-space adapter: normalises the space's encodings and turns architectures into ArchGraphs."""

    #: NASLib's name for the space (``Graph.get_type()``)
    name: str = ""
    #: other names accepted for the space
    aliases: tuple[str, ...] = ()
    #: every operator name this space can put on a graph node (besides input/output)
    operators: tuple[str, ...] = ()

    @abstractmethod
    def canonical(self, arch: Any) -> Any:
        """Normalise any accepted encoding of one architecture into the space's canonical hashable form."""

    @abstractmethod
    def graph(self, arch: Any, representation: str = DEFAULT_REPRESENTATION) -> ArchGraph:
        """Turn a canonical architecture into its ArchGraph."""

    def to_graph(self, arch: Any, representation: str = DEFAULT_REPRESENTATION) -> ArchGraph:
        """Turn any accepted encoding (or a ready ArchGraph) into the ArchGraph."""
        if isinstance(arch, ArchGraph):
            return arch
        return self.graph(self.canonical(arch), check_representation(representation))

    def format(self, arch: Any) -> str:
        """The human-readable form of an architecture (benchmark string, genotype, ...)."""
        return str(self.canonical(arch))

    def size(self) -> int | None:
        """Number of architectures, if the space is enumerable."""
        return None

    def enumerate(self) -> Iterator[Any]:
        """Yield every architecture of the space in canonical form (enumerable spaces only)."""
        raise NotImplementedError(f"{self.name} is not enumerable")

    def random(self, rng: np.random.Generator) -> Any:
        """Sample one architecture uniformly (canonical form)."""
        raise NotImplementedError(f"{self.name} has no sampler")


class CellSpace(SearchSpace):
    """A single 4-node cell with one operator per edge (NB201, TNB101-micro): tuples of op indices."""

    #: operator name per op index, and the cell edges in the order of the tuple
    cell_ops: tuple[str, ...] = ()
    cell_edges: tuple[tuple[int, int], ...] = ()
    none_ops = frozenset({"none"})
    skip_ops = frozenset({"skip_connect"})

    @property
    def operators(self) -> tuple[str, ...]:  # type: ignore[override]
        """Every operator of the cell."""
        return self.cell_ops

    def graph(self, arch: tuple[int, ...], representation: str = DEFAULT_REPRESENTATION) -> ArchGraph:
        """Edge ops become nodes (input, one node per live op, output); see graph.edge_op_graph."""
        prune = representation == "prune"
        return edge_op_graph(
            4, [(a, b, self.cell_ops[o]) for (a, b), o in zip(self.cell_edges, arch)], input_nodes=[0],
            output_node=3, space=self.name,
            none_ops=self.none_ops if prune else frozenset(),
            skip_ops=self.skip_ops if prune else frozenset(),
        )

    def size(self) -> int:
        """Number of ops to the power of the number of edges."""
        return len(self.cell_ops) ** len(self.cell_edges)

    def enumerate(self) -> Iterator[tuple[int, ...]]:
        """Every op-index tuple in lexicographic order."""
        return itertools.product(range(len(self.cell_ops)), repeat=len(self.cell_edges))

    def random(self, rng: np.random.Generator) -> tuple[int, ...]:
        """A uniformly random cell."""
        return tuple(int(x) for x in rng.integers(0, len(self.cell_ops), size=len(self.cell_edges)))
