"""The skeleton of a network: its blocks (cells, residual blocks, stems, heads), each a small width-free graph.

A folded network graph (:func:`~tgnas_naslib.network.fold.finish` with ``repeats=False``) comes with, per node, the
scope of the layer it came from: a module path such as ``cells.3.op1`` or ``layer2.0.conv1`` (a traced module's
qualified names; the space adapters' builders name their layers the same way). Blocks are found from those scopes:

1. a node's block is its scope up to the first numeric component (``cells.3``, ``layer2.0``, ``features.7``);
   consecutive nodes without one (a stem, a head) form one block together;
2. a block that is a sequence of numbered sub-scopes (``layers.0`` holding ``layers.0.0`` and ``layers.0.1``) is
   split into them when each holds at least two nodes, each is contiguous, and edges only run from one to the next:
   a stage of residual blocks becomes its blocks, a cell whose ops are numbered modules stays whole.

So the same network gives the same skeleton whichever way it came in (tested per space). Each block becomes a small
graph of its own: one ``input`` node per outside node feeding it, its layers, one ``output`` node; every node carries
only *width-free* features (log2 kernel, log2 stride, depthwise or not), so blocks that differ only in channel counts
are the same block graph. A block also records how far the input has been downsampled before it (``level``, log2)
and its FLOPs and parameters. The structure term of the hierarchical model reads block graphs and levels; its size
term reads the costs.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

from ..graph import INPUT, OUTPUT, ArchGraph
from ..shapes import Cost, NodeShape

#: the width-free node features a block graph carries, in order
BLOCK_FEATURES = ("log2_kernel", "log2_stride", "depthwise")
_ZERO = (0.0, 0.0, 0.0)
#: distinct block graphs shared between skeletons (identical blocks are one object: the scorer embeds each once)
_INTERNED: dict[tuple, tuple[ArchGraph, tuple]] = {}
_MAX_INTERNED = 8_192


class Block(NamedTuple):
    """One block of a skeleton: its width-free graph and node features, how far the network has downsampled its input
    (log2), and its cost."""

    graph: ArchGraph
    feats: tuple[tuple[float, ...], ...]
    level: float
    flops: float
    params: float

    @property
    def signature(self) -> tuple:
        """What makes two blocks the same block graph (operators, wiring, width-free features)."""
        return self.graph.ops, self.graph.edges, self.feats


class Skeleton:
    """A network as its blocks in execution order, with the whole network's cost (dead layers included).

    ``source``: the packaged skeleton table and row it was read from (:mod:`tgnas_naslib.spaces.skeletons`); its
    blocks are then read from the table on first use, and the scorer reads the table's arrays directly."""

    __slots__ = ("_blocks", "cost", "space", "source")

    def __init__(self, blocks: "tuple[Block, ...] | None", cost: Cost, space: str, source: Any = None) -> None:
        self._blocks = blocks
        self.cost = cost
        self.space = space
        self.source = source

    @property
    def blocks(self) -> tuple[Block, ...]:
        """The blocks in execution order (empty: no input->output path)."""
        if self._blocks is None:
            table, row = self.source
            self._blocks = table.blocks_of(row)
        return self._blocks

    @property
    def is_connected(self) -> bool:
        """False for a network with no input->output path (it scores lowest)."""
        if self._blocks is None and self.source is not None:
            return self.source[0].connected(self.source[1])
        return bool(self.blocks)

    @property
    def kind(self) -> str:
        """The input kind this is (models check the kind they read in one place)."""
        return "skeleton"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Skeleton) and (self.blocks, self.cost) == (other.blocks, other.cost)

    def __hash__(self) -> int:
        return hash((self.blocks, self.cost))

    def __repr__(self) -> str:
        return f"Skeleton({self.space!r}, {len(self.blocks)} blocks, {self.cost})"

    def __getstate__(self) -> tuple:
        return (self.blocks, self.cost, self.space)  # a table row travels as its blocks (tables do not pickle)

    def __setstate__(self, state: tuple) -> None:
        self._blocks, self.cost, self.space = state
        self.source = None


def scope_key(name: str, depth: int = 1) -> str | None:
    """The scope up to the ``depth``-th numeric component (``cells.3.op1`` -> ``cells.3``), or None."""
    parts = name.split(".")
    seen = 0
    for i in range(1, len(parts)):
        if parts[i].isdigit():
            seen += 1
            if seen == depth:
                return ".".join(parts[:i + 1])
    return None


def block_ids(names: Sequence[str], edges: Sequence[tuple[int, int]], skip: Sequence[bool]) -> list[int]:
    """The block of every node (see the module docstring); nodes marked in ``skip`` (input / output) get -1."""
    keys: list[tuple] = []
    prev: tuple | None = None
    loose = 0
    for i, name in enumerate(names):
        if skip[i]:
            keys.append(("skip",))
            prev = None
            continue
        k = scope_key(name)
        if k is None:
            if prev is None or prev[0] != "loose":
                loose += 1
            key: tuple = ("loose", loose)
        else:
            key = ("scope", k, 1)
        keys.append(key)
        prev = key
    keys = _refine(keys, names, edges)
    index: dict[tuple, int] = {}
    return [-1 if k == ("skip",) else index.setdefault(k, len(index)) for k in keys]


def _refine(keys: list[tuple], names: Sequence[str], edges: Sequence[tuple[int, int]]) -> list[tuple]:
    """Split scope blocks that are sequences of numbered sub-scopes (rule 2 of the module docstring), recursively."""
    changed = True
    while changed:
        changed = False
        groups: dict[tuple, list[int]] = {}
        for i, k in enumerate(keys):
            if k[0] == "scope":
                groups.setdefault(k, []).append(i)
        for key, members in groups.items():
            depth = key[2] + 1
            subs = [scope_key(names[i], depth) for i in members]
            if any(s is None for s in subs) or len(set(subs)) < 2:
                continue
            order = list(dict.fromkeys(subs))
            rank = {s: r for r, s in enumerate(order)}
            runs = [rank[s] for s in subs]
            if runs != sorted(runs) or any(subs.count(s) < 2 for s in order):
                continue  # not contiguous, or a sub-scope of a single node (a plain chain of layers)
            where = {i: rank[s] for i, s in zip(members, subs)}
            if any(where[a] not in (where[b], where[b] - 1) for a, b in edges if a in where and b in where):
                continue  # an edge skips a sub-scope or runs backwards: one block (a cell whose ops are modules)
            for i, s in zip(members, subs):
                keys[i] = ("scope", s, depth)
            changed = True
    return keys


def _width_free(shape: NodeShape) -> tuple[float, float, float]:
    depthwise = 1.0 if shape.groups > 1 and abs(shape.groups - shape.c_in) < 0.5 else 0.0
    return (math.log2(max(float(shape.kernel), 1.0)), math.log2(max(float(shape.stride), 1.0)), depthwise)


def skeleton(graph: ArchGraph, names: Sequence[str]) -> Skeleton:
    """The skeleton of a folded network graph whose repeats were not collapsed, from its nodes' scope names."""
    if not graph.is_connected or graph.shapes is None:
        return Skeleton((), graph.cost or Cost(), graph.space)
    n = graph.num_nodes
    skip = [op in (INPUT, OUTPUT) for op in graph.ops]
    ids = block_ids(names, graph.edges, skip)
    pred: list[list[int]] = [[] for _ in range(n)]
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b in graph.edges:
        pred[b].append(a)
        succ[a].append(b)
    members: dict[int, list[int]] = {}
    for v, b in enumerate(ids):
        if b >= 0:
            members.setdefault(b, []).append(v)
    input_h = graph.shapes[0].h_in
    blocks = []
    for b in sorted(members, key=lambda b: members[b][0]):
        nodes = members[b]
        inside = set(nodes)
        sources = sorted({p for v in nodes for p in pred[v] if p not in inside})
        local = {p: k for k, p in enumerate(sources)}
        for v in nodes:
            local[v] = len(local)
        out = len(local)
        edges = {(local[p], local[v]) for v in nodes for p in pred[v]}
        edges |= {(local[v], out) for v in nodes if not succ[v] or any(s not in inside for s in succ[v])}
        ops = (INPUT,) * len(sources) + tuple(graph.ops[v] for v in nodes) + (OUTPUT,)
        feats = (_ZERO,) * len(sources) + tuple(_width_free(graph.shapes[v]) for v in nodes) + (_ZERO,)
        first = graph.shapes[nodes[0]]
        level = math.log2(max(input_h / max(first.h_in, 1e-9), 1.0))
        block_graph, feats = intern_block(ops, tuple(sorted(edges)), feats)
        blocks.append(Block(block_graph, feats, round(level, 6), sum(graph.shapes[v].flops for v in nodes),
                            sum(graph.shapes[v].params for v in nodes)))
    return Skeleton(tuple(blocks), graph.cost, graph.space)


def intern_block(ops: tuple[str, ...], edges: tuple[tuple[int, int], ...], feats: tuple[tuple[float, ...], ...]
                 ) -> tuple[ArchGraph, tuple[tuple[float, ...], ...]]:
    """The one shared (graph, features) object of a block signature (a bounded table: memory stays flat)."""
    key = (ops, edges, feats)
    hit = _INTERNED.get(key)
    if hit is None:
        if len(_INTERNED) >= _MAX_INTERNED:
            _INTERNED.clear()
        hit = _INTERNED[key] = (ArchGraph._trusted(ops, edges, "block", None, None, kind="block"), feats)
    return hit
