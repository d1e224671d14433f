"""Packaged skeleton tables: every architecture of an enumerable space as its skeleton, prebuilt.

A skeleton (:mod:`tgnas_naslib.network.skeleton`) is built from the whole network, layer by layer, in milliseconds;
all 15,625 NAS-Bench-201 skeletons would take most of a minute. A table holds them all, written once from that same
path:

    python -m tgnas_naslib.spaces.skeletons --build [SPACE ...]   # rewrite the packaged tables
    python -m tgnas_naslib.spaces.skeletons --check [SPACE ...]   # every table skeleton equals a fresh build

Per table (``<space>_skeleton.npz`` beside the network tables, no pickles): the distinct block graphs of the space
(operator ids into a vocabulary, edges, width-free node features), and per architecture (in ``enumerate()`` order)
its blocks (block graph id, level, FLOPs, parameters) and its network cost. Skeletons read from a table are
materialised on first use only; the hierarchical scorer reads the arrays directly. A table is checked at load
against fresh builds of a few architectures; a stale one is ignored with a warning.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any, Iterable, Sequence

import numpy as np

from ..network.skeleton import Block, Skeleton, intern_block
from ..shapes import Cost
from . import TABLE, supporting
from .tables import TABLE_DIR, _digest, _smallest_uint, load_packaged, packaged_cli, write_packaged

#: spaces whose skeletons ship as a table (the enumerable ones: every space with a network table)
SKELETON_SPACES: tuple[str, ...] = supporting(TABLE)
FORMAT = 1


def skeleton_path(space: str) -> Any:
    """The packaged skeleton table of a space."""
    return TABLE_DIR / f"{space}_skeleton.npz"


class SkeletonTable:
    """One space's packaged skeletons: skeletons by architecture, and the arrays the hierarchical scorer reads.

    ``transient``: a table laid out for one chunk of architectures (:meth:`SearchSpace.skeletons`), not a packaged
    one: scorers read it once and keep nothing of it."""

    def __init__(self, space: str, data: dict[str, np.ndarray], transient: bool = False) -> None:
        self.space = space
        self.transient = transient
        self.ops: list[str] = data["ops"].tolist()
        self.graph_nodes = data["graph_nodes"].astype(np.int64)  # [G + 1]
        self.graph_edges = data["graph_edges"].astype(np.int64)  # [G + 1]
        self.node_op = data["node_op"].astype(np.int64)
        self.node_feats = data["node_feats"].astype(np.float64)  # [N, F] (float64: read back exactly as built)
        self.edge_src = data["edge_src"].astype(np.int64)
        self.edge_dst = data["edge_dst"].astype(np.int64)
        self.arch_blocks = data["arch_blocks"].astype(np.int64)  # [A + 1]
        self.entry_graph = data["entry_graph"].astype(np.int64)
        self.entry_level = data["entry_level"].astype(np.float64)
        self.entry_flops = data["entry_flops"].astype(np.float64)
        self.entry_params = data["entry_params"].astype(np.float64)
        self.arch_cost = data["arch_cost"].astype(np.float64)  # [A, 2]
        self.count = int(data["count"])
        self.digest = str(data["digest"])
        self.probes = data["probes"].astype(np.int64)
        self._index: dict[Any, int] | None = None
        self._graphs: list | None = None
        self._rows: list[Skeleton] | None = None

    def index(self) -> dict[Any, int]:
        """Canonical architecture -> row."""
        if self._index is None:
            from . import SPACES

            self._index = {a: i for i, a in enumerate(SPACES[self.space].enumerate())}
        return self._index

    def skeleton(self, arch: Any) -> Skeleton | None:
        """The skeleton of a canonical architecture (None: not in the table)."""
        row = self.index().get(arch)
        return None if row is None else self.at_row(row)

    def at_row(self, row: int) -> Skeleton:
        """The skeleton of the architecture at ``row`` (one object per row, blocks read on first use)."""
        if self._rows is None:
            costs = [Cost(float(f), float(p)) for f, p in self.arch_cost.tolist()]
            self._rows = [Skeleton(None, costs[r], self.space, (self, r)) for r in range(self.count)]
        return self._rows[row]

    def connected(self, row: int) -> bool:
        """Whether the architecture at ``row`` has an input->output path (it has blocks)."""
        return bool(self.arch_blocks[row + 1] > self.arch_blocks[row])

    def graph(self, gid: int) -> tuple:
        """The interned (block graph, node features) of block graph ``gid``."""
        if self._graphs is None:
            self._graphs = [None] * (len(self.graph_nodes) - 1)
        hit = self._graphs[gid]
        if hit is None:
            lo, hi = self.graph_nodes[gid], self.graph_nodes[gid + 1]
            elo, ehi = self.graph_edges[gid], self.graph_edges[gid + 1]
            ops = tuple(self.ops[o] for o in self.node_op[lo:hi].tolist())
            edges = tuple(zip(self.edge_src[elo:ehi].tolist(), self.edge_dst[elo:ehi].tolist()))
            feats = tuple(tuple(f) for f in self.node_feats[lo:hi].tolist())
            hit = self._graphs[gid] = intern_block(ops, edges, feats)
        return hit

    def blocks_of(self, row: int) -> tuple[Block, ...]:
        """The blocks of the architecture at ``row``."""
        lo, hi = self.arch_blocks[row], self.arch_blocks[row + 1]
        out = []
        for e in range(lo, hi):
            graph, feats = self.graph(int(self.entry_graph[e]))
            out.append(Block(graph, feats, float(self.entry_level[e]), float(self.entry_flops[e]),
                             float(self.entry_params[e])))
        return tuple(out)

    def stale_rows(self, rows: Iterable[int]) -> list[int]:
        """Rows among ``rows`` whose table skeleton differs from a fresh build."""
        from . import SPACES

        space = SPACES[self.space]
        archs = list(self.index())
        return [r for r in rows if space.skeleton(archs[r]) != self.at_row(r)]


@lru_cache(maxsize=None)
def load_skeletons(space: str) -> SkeletonTable | None:
    """The packaged skeleton table of ``space`` (None: it has none, or it is stale: then a warning says so)."""
    return load_packaged(space, skeleton_path(space), SKELETON_SPACES, FORMAT, SkeletonTable, "skeletons", "skeletons")


def build_skeleton_table(space: str, skeletons: Sequence[Skeleton]) -> dict[str, np.ndarray]:
    """The arrays of ``space``'s table from its skeletons (in ``enumerate()`` order)."""
    from . import SPACES

    archs = list(SPACES[space].enumerate())
    ops: dict[str, int] = {}
    graphs: dict[tuple, int] = {}
    node_op, node_feats, src, dst, n_nodes, n_edges = [], [], [], [], [], []
    arch_blocks, entry_graph, entry_level, entry_flops, entry_params, arch_cost = [0], [], [], [], [], []
    for sk in skeletons:
        for b in sk.blocks:
            gid = graphs.get(b.signature)
            if gid is None:
                gid = graphs[b.signature] = len(graphs)
                node_op += [ops.setdefault(o, len(ops)) for o in b.graph.ops]
                node_feats += list(b.feats)
                src += [a for a, _ in b.graph.edges]
                dst += [c for _, c in b.graph.edges]
                n_nodes.append(b.graph.num_nodes)
                n_edges.append(len(b.graph.edges))
            entry_graph.append(gid)
            entry_level.append(b.level)
            entry_flops.append(b.flops)
            entry_params.append(b.params)
        arch_blocks.append(len(entry_graph))
        arch_cost.append((sk.cost.flops, sk.cost.params))
    rows = np.diff(arch_blocks)
    probes = sorted({int(np.argmax(rows)), len(archs) // 3, (2 * len(archs)) // 3})
    return {
        "format": np.array(FORMAT), "count": np.array(len(archs)), "digest": np.array(_digest(archs)),
        "ops": np.array(list(ops)),
        "graph_nodes": _smallest_uint(np.concatenate([[0], np.cumsum(n_nodes)]).astype(np.int64)),
        "graph_edges": _smallest_uint(np.concatenate([[0], np.cumsum(n_edges)]).astype(np.int64)),
        "node_op": _smallest_uint(np.array(node_op, dtype=np.int64)),
        "node_feats": np.array(node_feats, dtype=np.float64).reshape(len(node_op), -1),
        "edge_src": _smallest_uint(np.array(src, dtype=np.int64)), "edge_dst": _smallest_uint(np.array(dst, np.int64)),
        "arch_blocks": _smallest_uint(np.array(arch_blocks, dtype=np.int64)),
        "entry_graph": _smallest_uint(np.array(entry_graph, dtype=np.int64)),
        "entry_level": np.array(entry_level, dtype=np.float64), "entry_flops": np.array(entry_flops),
        "entry_params": np.array(entry_params), "arch_cost": np.array(arch_cost, dtype=np.float64).reshape(-1, 2),
        "probes": np.array(probes, dtype=np.int64),
    }


def _fresh(item: tuple[str, Any]) -> Skeleton:
    from . import SPACES

    space, arch = item
    return SPACES[space].skeleton(arch)


def fresh_skeletons(space: str, jobs: int = 1) -> list[Skeleton]:
    """Every architecture's skeleton built from its network (``jobs`` processes)."""
    from . import SPACES

    items = [(space, a) for a in SPACES[space].enumerate()]
    if jobs <= 1:
        return [_fresh(i) for i in items]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(_fresh, items, chunksize=256))


def _build_one(space: str, jobs: int) -> str:
    arrays = build_skeleton_table(space, fresh_skeletons(space, jobs))
    return (f"{len(arrays['graph_nodes']) - 1} distinct block graphs, {len(arrays['entry_graph'])} blocks; "
            + write_packaged(skeleton_path(space), arrays, load_skeletons))


def _check_one(space: str, jobs: int) -> tuple[str, bool]:
    table = load_skeletons(space)
    if table is None:
        return f"no usable skeleton table ({skeleton_path(space)})", True
    bad = [r for r, sk in enumerate(fresh_skeletons(space, jobs)) if sk != table.at_row(r)]
    return ("all skeletons equal a fresh build" if not bad else f"{len(bad)} rows differ: {bad[:10]}"), bool(bad)


def main(argv: Sequence[str] | None = None) -> int:
    """``--build`` / ``--check`` the packaged skeleton tables."""
    return packaged_cli(argv, __doc__.split("\n")[0], SKELETON_SPACES, "skeletons", _build_one, _check_one)


if __name__ == "__main__":
    sys.exit(main())
