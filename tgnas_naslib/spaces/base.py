"""What every search-space adapter provides, and the helpers they share."""

from __future__ import annotations

import ast
import itertools
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from ..convert import plain
from ..graph import INPUT, OUTPUT, ArchGraph, ArchitectureError, edge_op_graph
from ..shapes import Cost, NodeShape

if TYPE_CHECKING:
    from ..network import NetworkBuilder
    from ..network.skeleton import Skeleton

#: Which graph an architecture becomes. "network": the whole network its benchmark trains, layer by layer, exactly
#: as tracing the same network built as a ``torch.nn.Module`` gives it (tgnas_naslib.network: folded layers,
#: repeated blocks collapsed); the universal models read it. The cell representations of the NB101-trained models:
#: "prune": one cell, ``none`` edges dropped, dead nodes pruned and skip connections plain edges (NB101, the training
#: space, has no such nodes: identity there is just an edge); "ops": ``none`` and skip kept as operator nodes.
#: "skeleton": the same whole network as its blocks, each a small width-free graph (tgnas_naslib.network.skeleton),
#: which the hierarchical models read.
REPRESENTATIONS = ("prune", "ops", "network", "skeleton")
DEFAULT_REPRESENTATION = "prune"


def check_representation(representation: str) -> str:
    """Validate a representation name."""
    if representation not in REPRESENTATIONS:
        raise ValueError(f"unknown graph representation {representation!r}; choose from {REPRESENTATIONS}")
    return representation


def literal(text: str, what: str) -> Any:
    """Parse a Python/JSON literal such as ``"(1, 2, 3)"`` or ``"[[(0, 4), ...], [...]]"``, or fail clearly."""
    try:
        return plain(ast.literal_eval(text.strip()))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ArchitectureError(f"cannot parse {what} {text!r}") from None


def int_tuple(value: Any, length: int | Sequence[int], low: int, high: int, what: str) -> tuple[int, ...]:
    """Validate a flat tuple of op indices: its length and each value in [low, high]."""
    if type(value) is tuple and (len(value) == length if type(length) is int else len(value) in length):
        for v in value:  # the common case, a valid plain tuple, in one pass
            if type(v) is not int or not low <= v <= high:
                break
        else:
            return value
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


#: what a space can be used for beyond scoring, named in :attr:`SearchSpace.supports` (the one place a space's
#: support is written: every list of space names, e.g. ``naslib.adapters.SUPPORTED_SPACES``, is derived from it)
#: NASLib has the space: its graphs' ``get_type()`` is the space's name (``naslib.adapters``)
NASLIB = "naslib"
#: NASLib's zc runner has offline ground truth for the space (``naslib.runconfig``: experiment ``zc``)
NASLIB_ZC = "naslib_zc"
#: NASLib's predictor evaluation runs on the space offline (``naslib.runconfig``: experiment ``predictor_evaluation``)
NASLIB_PREDICTOR_EVALUATION = "naslib_predictor_evaluation"
#: the searchers of ``tgnas_naslib.search`` (a continuous encoding of an edge-op cell) and, where NASLib has the
#: space too, the ``tgnas_evolution`` optimizer of ``naslib.optimizer`` / runner experiment ``search``
SEARCH = "search"
#: the network graph of every architecture ships as a packaged table (``spaces/tables.py``; enumerable spaces)
TABLE = "table"
FEATURES = (NASLIB, NASLIB_ZC, NASLIB_PREDICTOR_EVALUATION, SEARCH, TABLE)


class SearchSpace(ABC):
    """A search-space adapter: normalises the space's encodings and turns architectures into ArchGraphs."""

    #: NASLib's name for the space (``Graph.get_type()``)
    name: str = ""
    #: other names accepted for the space
    aliases: tuple[str, ...] = ()
    #: the design family: spaces that share one design share it (NB201 and TransNAS-Bench-101-micro share one
    #: cell). The one place family knowledge lives: in-family vs zero-shot labels (``TGNAS.evaluation``) and the
    #: leave-family-out splits of ``training`` read it from here
    family: str = ""
    #: what the space supports besides scoring (names from :data:`FEATURES`)
    supports: frozenset[str] = frozenset()
    #: every operator name this space can put on a graph node (besides input/output)
    operators: tuple[str, ...] = ()

    @abstractmethod
    def canonical(self, arch: Any) -> Any:
        """Normalise any accepted encoding of one architecture into the space's canonical hashable form."""

    @abstractmethod
    def graph(self, arch: Any, representation: str = DEFAULT_REPRESENTATION) -> ArchGraph:
        """Turn a canonical architecture into its cell ArchGraph (``prune`` / ``ops`` representations)."""

    def build_network(self, arch: Any, dataset: str) -> "NetworkBuilder":
        """Describe the network the benchmark trains for a canonical architecture, layer by layer, in the order its
        ``forward`` runs (every layer, dead ones included, so the graph's cost is the network's)."""
        raise NotImplementedError(f"{self.name} has no layer-by-layer network description")

    def network_graph(self, arch: Any, dataset: str | None = None) -> ArchGraph:
        """The ``network`` representation of a canonical architecture: its whole network as one graph (read from the
        space's packaged table where it has one, :mod:`.tables`: the same graph, prebuilt)."""
        dataset = self.check_dataset(dataset)
        if dataset == self.datasets[0]:
            from .tables import load_table  # imported here: `python -m tgnas_naslib.spaces.tables` runs it as a script

            table = load_table(self.name)
            graph = table.graph(arch) if table is not None else None
            if graph is not None:
                return graph
        return self.build_network(arch, dataset).graph()

    def skeleton(self, arch: Any, dataset: str | None = None) -> "Skeleton":
        """The ``skeleton`` representation of a canonical architecture: its network's blocks (scopes of the layers
        the builder names as the benchmark's module does; :mod:`tgnas_naslib.network.skeleton`)."""
        from ..network import finish
        from ..network.skeleton import skeleton

        builder = self.build_network(arch, self.check_dataset(dataset))
        return skeleton(*finish(builder.raw, self.name, True, "network", repeats=False))

    def to_graph(self, arch: Any, representation: str = DEFAULT_REPRESENTATION) -> "ArchGraph | Skeleton":
        """Turn any accepted encoding (or a ready ArchGraph) into the ArchGraph (a Skeleton for ``skeleton``)."""
        if isinstance(arch, ArchGraph):
            return arch
        rep = check_representation(representation)
        if rep == "network":
            return self.network_graph(self.canonical(arch))
        if rep == "skeleton":
            return self.skeleton(self.canonical(arch))
        return self.graph(self.canonical(arch), representation)

    #: datasets (benchmark tasks) whose network definitions the adapter knows; the first is the default, whose
    #: network gives the graphs their shape context
    datasets: tuple[str, ...] = ()

    def format(self, arch: Any) -> str:
        """The human-readable form of an architecture (benchmark string, genotype, ...)."""
        return str(self.canonical(arch))

    def cost(self, arch: Any, dataset: str | None = None) -> Cost:
        """Whole-network FLOPs and parameters of an architecture (any accepted encoding), as NASLib counts them."""
        return self.network_cost(self.canonical(arch), self.check_dataset(dataset))

    def network_cost(self, arch: Any, dataset: str) -> Cost:
        """Whole-network cost of a canonical architecture on ``dataset`` (dead operators included)."""
        raise NotImplementedError(f"{self.name} has no network definition")

    def check_dataset(self, dataset: str | None) -> str:
        """The dataset name (default: the space's first), or a clear error listing the known ones."""
        if dataset is None:
            return self.datasets[0]
        if dataset not in self.datasets:
            raise ArchitectureError(f"{self.name} has no network definition for dataset {dataset!r}; "
                                    f"known: {', '.join(self.datasets)}")
        return dataset

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
        """Edge ops become nodes (input, one node per live op, output), each with its shape context over every
        cell of the default network; see graph.edge_op_graph.

        Which edges survive pruning, and how, depends only on which edges hold ``none``, a skip or an operator:
        the 3^6 patterns are worked out once by edge_op_graph itself (``_pattern``), so a cell costs a few lookups
        (equal to edges_graph on every architecture, tested)."""
        prune = representation == "prune"
        kinds = tuple((2 if self.cell_ops[o] not in self.none_ops | self.skip_ops or not prune
                       else 0 if self.cell_ops[o] in self.none_ops else 1) for o in arch)
        ops_of, edges = self._pattern(kinds)
        dataset = self.datasets[0]
        table = self._edge_shape_table(dataset)
        inp, out = self.io_shapes(dataset)
        ops: list[str] = []
        shapes: list[NodeShape] = []
        for k in ops_of:
            if k < 0:
                ops.append(INPUT if k == -1 else OUTPUT)
                shapes.append(inp if k == -1 else out)
            else:
                ops.append(self.cell_ops[arch[k]])
                shapes.append(table[k][arch[k]])
        skeleton = self.skeleton_cost(dataset)
        flops, params = skeleton.flops, skeleton.params
        for k, o in enumerate(arch):
            flops += table[k][o].flops
            params += table[k][o].params
        return ArchGraph._trusted(tuple(ops), edges, self.name, tuple(shapes), Cost(flops, params))

    @lru_cache(maxsize=None)  # noqa: B019 -- adapters are singletons (spaces.SPACES): nothing to leak
    def _pattern(self, kinds: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
        """For edge kinds (0 = none, 1 = skip, 2 = operator node): which cell edge each graph node comes from (-1 the
        input, -2 the output) and the graph's edges, as edge_op_graph prunes them."""
        names = ["none" if kind == 0 else "skip_connect" if kind == 1 else f"edge{k}" for k, kind in enumerate(kinds)]
        g = edge_op_graph(4, [(a, b, n) for (a, b), n in zip(self.cell_edges, names)], input_nodes=[0], output_node=3,
                          space=self.name, none_ops=frozenset({"none"}), skip_ops=frozenset({"skip_connect"}))
        source = tuple(-1 if op == INPUT else -2 if op == OUTPUT else int(op[4:]) for op in g.ops)
        return source, g.edges

    @lru_cache(maxsize=None)  # noqa: B019 -- adapters are singletons (spaces.SPACES): nothing to leak
    def _edge_shape_table(self, dataset: str) -> tuple[tuple[NodeShape, ...], ...]:
        """[cell edge][op index] -> NodeShape."""
        return tuple(tuple(self.edge_shape(a, op, dataset) for op in self.cell_ops) for a, _ in self.cell_edges)

    def edges_graph(self, edge_ops: Sequence[tuple[int, int, str]],
                    representation: str = DEFAULT_REPRESENTATION) -> ArchGraph:
        """The graph of a cell given as (source, target, op name) triples: one per edge, or several parallel ops
        per edge (a supernet); the network cost counts every op."""
        prune = representation == "prune"
        dataset = self.datasets[0]
        inp, out = self.io_shapes(dataset)
        shapes = [self.edge_shape(a, op, dataset) for a, _, op in edge_ops]
        return edge_op_graph(
            4, edge_ops, input_nodes=[0], output_node=3, space=self.name,
            none_ops=self.none_ops if prune else frozenset(),
            skip_ops=self.skip_ops if prune else frozenset(),
            edge_shapes=shapes, input_shapes=[inp], output_shape=out,
            cost=self.skeleton_cost(dataset) + sum((s.cost for s in shapes), Cost()),
        )

    def network_cost(self, arch: tuple[int, ...], dataset: str) -> Cost:
        """The fixed network around the cells plus every edge operator of every cell (dead ones included)."""
        cost = self.skeleton_cost(dataset)
        for (a, _), o in zip(self.cell_edges, arch):
            cost = cost + self.edge_shape(a, self.cell_ops[o], dataset).cost
        return cost

    def edge_shape(self, source: int, op: str, dataset: str) -> NodeShape:
        """Shape context of operator ``op`` on a cell edge leaving cell node ``source``, over all cells."""
        raise NotImplementedError

    def io_shapes(self, dataset: str) -> tuple[NodeShape, NodeShape]:
        """Shape context of the cell's input and output nodes."""
        raise NotImplementedError

    def skeleton_cost(self, dataset: str) -> Cost:
        """Cost of everything outside the cells (stem, reductions, head)."""
        raise NotImplementedError

    def size(self) -> int:
        """Number of ops to the power of the number of edges."""
        return len(self.cell_ops) ** len(self.cell_edges)

    def enumerate(self) -> Iterator[tuple[int, ...]]:
        """Every op-index tuple in lexicographic order."""
        return itertools.product(range(len(self.cell_ops)), repeat=len(self.cell_edges))

    def random(self, rng: np.random.Generator) -> tuple[int, ...]:
        """A uniformly random cell."""
        return tuple(int(x) for x in rng.integers(0, len(self.cell_ops), size=len(self.cell_edges)))
