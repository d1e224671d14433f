"""The one architecture representation: a node-labelled DAG (operator name per node, directed edges).

Every adapter produces an :class:`ArchGraph`; the embedder, the GCN, the search and the study consume it.
Input nodes carry the operator name ``"input"`` (DARTS cells have two), the single output node ``"output"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from .errors import TGNASError

if TYPE_CHECKING:
    from .shapes import Cost, NodeShape

INPUT = "input"
OUTPUT = "output"
#: the kinds of graph (ArchGraph.kind)
KINDS = ("cell", "network", "block")


class ArchitectureError(TGNASError, ValueError):
    """An architecture cannot be turned into a valid graph; the message says what is wrong with it."""


def _reach(n: int, succ: list[list[int]], starts: Iterable[int]) -> set[int]:
    seen = set(starts)
    stack = list(seen)
    while stack:
        u = stack.pop()
        for v in succ[u]:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def _adjacency_lists(n: int, edges: Sequence[tuple[int, int]]) -> tuple[list[list[int]], list[list[int]]]:
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        succ[a].append(b)
        pred[b].append(a)
    return succ, pred


def _topological_order(n: int, succ: list[list[int]], pred: list[list[int]]) -> list[int] | None:
    indeg = [len(p) for p in pred]
    queue = [i for i in range(n) if indeg[i] == 0]
    order: list[int] = []
    while queue:
        u = queue.pop()
        order.append(u)
        for v in succ[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                queue.append(v)
    return order if len(order) == n else None


def concat_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for every (start, count): the node or edge rows of many graphs stored back to
    back (the packaged tables, the hierarchical scorer)."""
    total = int(counts.sum())
    if not total:
        return np.empty(0, dtype=np.int64)
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) + np.repeat(starts.astype(np.int64) - (ends - counts), counts)


@dataclass(frozen=True)
class ArchGraph:
    """A validated node-labelled DAG: ``ops[i]`` is node i's operator, ``edges`` are (src, dst) data flow.

    Valid means: no empty op names, acyclic, at least one ``input`` node (all without predecessors),
    exactly one ``output`` node (without successors), and every node on some input->output path.
    The one exception is the *disconnected* architecture (no input->output path at all), represented by
    inputs + output and no edges (``is_connected`` is False); it scores lowest.

    Shape context (optional, from the space adapters and module tracing): ``shapes[i]`` is node i's
    :class:`~tgnas_naslib.shapes.NodeShape` (channels, spatial size, stride, kernel, groups, FLOPs, params over
    every copy of the node in the network) and ``cost`` the whole network's FLOPs and params, dead parts included.
    """

    ops: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]
    space: str = "custom"
    # equal graphs still hash equal without them: left out of the hash, which dedup computes per graph (issue 20)
    shapes: "tuple[NodeShape, ...] | None" = field(default=None, repr=False, hash=False)
    cost: "Cost | None" = field(default=None, repr=False, hash=False)
    #: what the graph stands for: ``cell`` (one cell, cell operator names: the cell models read it), ``network`` (a
    #: whole network, layer texts) or ``block`` (one block of a skeleton); every model checks the kind it reads
    kind: str = field(default="cell", repr=False)
    _order: tuple[int, ...] = field(default=(), repr=False, compare=False)
    #: where a packaged graph table holds this graph's arrays (tgnas_naslib.spaces.tables): (table, graph id)
    _source: "tuple[Any, int] | None" = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ArchitectureError(f"unknown graph kind {self.kind!r}; choose from {', '.join(KINDS)}")
        ops = tuple(str(o) for o in self.ops)
        edges = tuple(sorted({(int(a), int(b)) for a, b in self.edges}))
        object.__setattr__(self, "ops", ops)
        object.__setattr__(self, "edges", edges)
        n = len(ops)
        if self.shapes is not None:
            object.__setattr__(self, "shapes", tuple(self.shapes))
            if len(self.shapes) != n:
                raise ArchitectureError(f"{len(self.shapes)} node shapes given for {n} nodes")
        for i, op in enumerate(ops):
            if not op.strip():
                raise ArchitectureError(f"node {i} has an empty operator name")
        for a, b in edges:
            if not (0 <= a < n and 0 <= b < n):
                raise ArchitectureError(f"edge ({a}, {b}) refers to a node outside 0..{n - 1}")
            if a == b:
                raise ArchitectureError(f"self-loop on node {a} ({ops[a]}): the graph must be acyclic")
        inputs = [i for i, o in enumerate(ops) if o == INPUT]
        outputs = [i for i, o in enumerate(ops) if o == OUTPUT]
        if not inputs:
            raise ArchitectureError(f"no '{INPUT}' node among ops {list(ops)}")
        if len(outputs) != 1:
            raise ArchitectureError(f"expected exactly one '{OUTPUT}' node, found {len(outputs)} in {list(ops)}")
        succ, pred = _adjacency_lists(n, edges)
        order = _topological_order(n, succ, pred)
        if order is None:
            raise ArchitectureError(f"the graph has a cycle (edges {list(edges)})")
        object.__setattr__(self, "_order", tuple(order))
        for i in inputs:
            if pred[i]:
                raise ArchitectureError(f"input node {i} has incoming edges from {pred[i]}")
        out = outputs[0]
        if succ[out]:
            raise ArchitectureError(f"output node {out} has outgoing edges to {succ[out]}")
        if not edges:  # the disconnected architecture: only inputs and the output
            if n != len(inputs) + 1:
                raise ArchitectureError("a graph without edges may hold only input nodes and the output node")
            return
        alive = _reach(n, succ, inputs) & _reach(n, pred, [out])
        dead = [i for i in range(n) if i not in alive and ops[i] != INPUT]
        if dead:
            raise ArchitectureError(
                f"nodes {dead} ({[ops[i] for i in dead]}) lie on no input->output path; prune the graph first "
                "(ArchGraph.build prunes)"
            )

    # construction -------------------------------------------------------------------------------------------
    @classmethod
    def build(cls, ops: Sequence[str], edges: Iterable[tuple[int, int]], space: str = "custom",
              shapes: "Sequence[NodeShape] | None" = None, cost: "Cost | None" = None,
              acyclic: bool = False, kind: str = "cell") -> "ArchGraph":
        """Build a graph from any DAG, pruning every node that lies on no input->output path.

        An architecture without any input->output path becomes the disconnected graph (scores lowest).
        ``shapes`` (one per node) follow their nodes through pruning; ``cost`` is the whole network's.
        ``acyclic=True`` (for callers that construct DAGs, like :func:`edge_op_graph`) skips the cycle check.
        """
        ops = [str(o) for o in ops]
        edges = [(int(a), int(b)) for a, b in edges]
        n = len(ops)
        if shapes is not None and len(shapes) != n:
            raise ArchitectureError(f"{len(shapes)} node shapes given for {n} nodes")
        for a, b in edges:
            if not (0 <= a < n and 0 <= b < n):
                raise ArchitectureError(f"edge ({a}, {b}) refers to a node outside 0..{n - 1}")
        inputs = [i for i, o in enumerate(ops) if o == INPUT]
        outputs = [i for i, o in enumerate(ops) if o == OUTPUT]
        if not inputs or len(outputs) != 1:
            # let the validator produce the precise message
            return cls(tuple(ops), tuple(edges), space, None if shapes is None else tuple(shapes), cost, kind)
        succ, pred = _adjacency_lists(n, edges)
        if not acyclic and _topological_order(n, succ, pred) is None:
            raise ArchitectureError(f"the graph has a cycle (edges {sorted(set(edges))})")
        out = outputs[0]
        alive = _reach(n, succ, inputs) & _reach(n, pred, [out])
        if out not in alive:
            keep_shapes = None if shapes is None else tuple(shapes[i] for i in inputs) + (shapes[out],)
            return cls(tuple([INPUT] * len(inputs) + [OUTPUT]), (), space, keep_shapes, cost, kind)
        for i in inputs:
            if pred[i]:
                raise ArchitectureError(f"input node {i} has incoming edges from {pred[i]}")
        if succ[out]:
            raise ArchitectureError(f"output node {out} has outgoing edges to {succ[out]}")
        if any(not op.strip() for op in ops):
            raise ArchitectureError(f"an operator name is empty in {ops}")
        keep = [i for i in range(n) if i in alive]  # inputs that feed nothing alive are dropped too
        remap = {old: new for new, old in enumerate(keep)}
        new_edges = sorted({(remap[a], remap[b]) for a, b in edges if a in remap and b in remap})
        # everything validated above: skip the second pass of __post_init__
        return cls._trusted(tuple(ops[i] for i in keep), tuple(new_edges), space,
                            None if shapes is None else tuple(shapes[i] for i in keep), cost, kind=kind)

    @classmethod
    def _trusted(cls, ops: tuple[str, ...], edges: tuple[tuple[int, int], ...], space: str,
                 shapes: "tuple[NodeShape, ...] | None", cost: "Cost | None",
                 source: "tuple[Any, int] | None" = None, kind: str = "cell") -> "ArchGraph":
        """A graph from parts already validated and pruned (edges sorted and unique), without checking again;
        ``source``: the graph table row it was read from."""
        graph = object.__new__(cls)
        graph.__dict__.update(ops=ops, edges=edges, space=space, shapes=shapes, cost=cost, kind=kind, _order=(),
                              _source=source)
        return graph

    @classmethod
    def disconnected(cls, space: str = "custom", n_inputs: int = 1, cost: "Cost | None" = None,
                     kind: str = "cell") -> "ArchGraph":
        """The architecture with no input->output path (e.g. NB201 with ``none`` on the decisive edges); ``cost``:
        what its network computes all the same."""
        return cls(tuple([INPUT] * n_inputs + [OUTPUT]), (), space, None, cost, kind)

    @classmethod
    def from_adjacency(cls, adjacency: np.ndarray | Sequence[Sequence[int]], ops: Sequence[str],
                       space: str = "custom", prune: bool = True) -> "ArchGraph":
        """Build from an adjacency matrix (``adjacency[i][j] != 0`` means an edge i -> j) and node ops."""
        mat = np.asarray(adjacency)
        if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
            raise ArchitectureError(f"adjacency must be a square matrix, got shape {mat.shape}")
        if mat.shape[0] != len(ops):
            raise ArchitectureError(f"adjacency is {mat.shape[0]}x{mat.shape[0]} but {len(ops)} ops were given")
        edges = [(int(a), int(b)) for a, b in zip(*np.nonzero(mat))]
        return cls.build(ops, edges, space) if prune else cls(tuple(ops), tuple(edges), space)

    # views --------------------------------------------------------------------------------------------------
    @property
    def num_nodes(self) -> int:
        """Number of nodes."""
        return len(self.ops)

    @property
    def is_connected(self) -> bool:
        """False only for the disconnected architecture (no input->output path)."""
        return bool(self.edges)

    @property
    def adjacency(self) -> np.ndarray:
        """Dense 0/1 adjacency matrix, ``adjacency[i, j] = 1`` for an edge i -> j."""
        mat = np.zeros((self.num_nodes, self.num_nodes), dtype=np.int8)
        for a, b in self.edges:
            mat[a, b] = 1
        return mat

    @property
    def has_shapes(self) -> bool:
        """Whether every node carries its shape context (and the network its cost)."""
        return self.shapes is not None and self.cost is not None

    def without_shapes(self) -> "ArchGraph":
        """The same graph with operator names only (what models trained without shape context see)."""
        if self.shapes is None and self.cost is None:
            return self
        return ArchGraph(self.ops, self.edges, self.space, kind=self.kind)

    @property
    def topological_order(self) -> tuple[int, ...]:
        """Node indices in a topological order (computed on first use)."""
        if len(self._order) != self.num_nodes:
            succ, pred = _adjacency_lists(self.num_nodes, self.edges)
            object.__setattr__(self, "_order", tuple(_topological_order(self.num_nodes, succ, pred)))
        return self._order

    def wl_hash(self, iterations: int = 3) -> str:
        """Weisfeiler-Lehman hash of the labelled DAG: equal for isomorphic graphs (used to group duplicates)."""
        import hashlib

        succ, pred = _adjacency_lists(self.num_nodes, self.edges)
        labels = list(self.ops)
        for _ in range(iterations):
            labels = [
                hashlib.md5(
                    (labels[i] + "|" + ",".join(sorted(labels[j] for j in pred[i])) + "|"
                     + ",".join(sorted(labels[j] for j in succ[i]))).encode()
                ).hexdigest()
                for i in range(self.num_nodes)
            ]
        return hashlib.md5(",".join(sorted(labels)).encode()).hexdigest()

    def to_dict(self) -> dict:
        """A JSON-ready dict (ops, edges, space; shapes and cost when present)."""
        from dataclasses import asdict, fields

        d = {"space": self.space, "kind": self.kind, "ops": list(self.ops), "edges": [list(e) for e in self.edges]}
        if self.shapes is not None:
            names = [f.name for f in fields(self.shapes[0]) if f.init]
            d["shapes"] = [{k: getattr(s, k) for k in names} for s in self.shapes]
        if self.cost is not None:
            d["cost"] = asdict(self.cost)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ArchGraph":
        """Inverse of :meth:`to_dict`."""
        from .shapes import Cost, NodeShape

        try:
            shapes = None if d.get("shapes") is None else tuple(NodeShape(**s) for s in d["shapes"])
            cost = None if d.get("cost") is None else Cost(**d["cost"])
            return cls(tuple(d["ops"]), tuple(tuple(e) for e in d["edges"]), d.get("space", "custom"), shapes, cost,
                       d.get("kind", "cell"))
        except (KeyError, TypeError) as exc:
            raise ArchitectureError(f"not an architecture-graph dict ({exc!r}): {d!r:.200}") from None


def edge_op_graph(
    num_cell_nodes: int,
    edge_ops: Sequence[tuple[int, int, str]],
    input_nodes: Sequence[int],
    output_node: int | None,
    space: str,
    concat_nodes: Sequence[int] = (),
    none_ops: frozenset[str] = frozenset(),
    skip_ops: frozenset[str] = frozenset(),
    edge_shapes: "Sequence[NodeShape] | None" = None,
    input_shapes: "Sequence[NodeShape] | None" = None,
    output_shape: "NodeShape | None" = None,
    cost: "Cost | None" = None,
) -> ArchGraph:
    """Turn a cell with operators on edges (NB201, TNB-micro, DARTS) into an operator-on-node DAG.

    Each edge ``(a, b, op)`` becomes a node ``op``; it is fed by every op node on an edge into ``a`` (or by
    the input node when ``a`` is a cell input) and feeds every op node on an edge out of ``b``, and the
    output node when ``b`` is the output (or one of ``concat_nodes``, whose concatenation is the output).
    ``none_ops`` are dropped (no data flows), ``skip_ops`` become plain edges (identity is data flow, not an
    operator: that is how NB101, the training space, represents it); then dead nodes are pruned.
    With shape context, ``edge_shapes[k]`` is the shape of edge k's operator, ``input_shapes`` those of the
    cell inputs (in ``input_nodes`` order), ``output_shape`` the output node's and ``cost`` the network's.
    """
    with_shapes = edge_shapes is not None
    if with_shapes and (input_shapes is None or output_shape is None or len(edge_shapes) != len(edge_ops)):
        raise ArchitectureError("shape context needs one shape per edge op, per input node and the output's")
    concat = set(concat_nodes)
    if output_node is not None:
        concat.add(output_node)
    ops: list[str] = []
    shapes: list = []
    producers: dict[int, list[int]] = {}  # cell node -> graph nodes whose output arrives there
    for k, cell_node in enumerate(input_nodes):
        producers[cell_node] = [len(ops)]
        ops.append(INPUT)
        if with_shapes:
            shapes.append(input_shapes[k])
    out_idx = len(ops)
    ops.append(OUTPUT)
    if with_shapes:
        shapes.append(output_shape)
    edges: list[tuple[int, int]] = []
    # Cells are numbered topologically (a < b on every edge), so once the edges are sorted by source,
    # the producers of `a` are complete when its outgoing edges are handled.
    order = sorted(range(len(edge_ops)), key=lambda k: (edge_ops[k][0], edge_ops[k][1]))
    for k in order:
        a, b, op = edge_ops[k]
        if a >= b:
            raise ArchitectureError(f"cell edge {a}->{b} is not forward: cell nodes must be numbered topologically")
        if op in none_ops:
            continue
        srcs = producers.get(a, [])
        if op in skip_ops:
            producers.setdefault(b, []).extend(srcs)
            continue
        idx = len(ops)
        ops.append(op)
        if with_shapes:
            shapes.append(edge_shapes[k])
        edges.extend((s, idx) for s in srcs)
        producers.setdefault(b, []).append(idx)
    for c in sorted(concat):
        edges.extend((s, out_idx) for s in producers.get(c, []))
    return ArchGraph.build(ops, edges, space, shapes if with_shapes else None, cost, acyclic=True)
