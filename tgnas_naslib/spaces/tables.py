"""Packaged network-graph tables: every architecture of an enumerable space as its ``network`` graph, prebuilt.

Building one whole-network graph layer by layer takes milliseconds (:class:`~tgnas_naslib.network.NetworkBuilder`:
raw layers, folding, repeat collapsing), so all 15,625 NAS-Bench-201 graphs take most of a minute. A table holds
them all, written once from that same builder:

    python -m tgnas_naslib.spaces.tables --build [SPACE ...]   # rewrite the packaged tables
    python -m tgnas_naslib.spaces.tables --check [SPACE ...]   # every table graph equals a fresh build

Per table (one ``.npz`` beside this module, no pickles): an operator vocabulary; the distinct node shapes and
network costs (interned: every graph points into them); per distinct graph its nodes (operator id, shape id), its
edges and cost id, and its weighted depth (the engine's graph feature); per architecture (in the space's
``enumerate()`` order) the id of its graph. Equal graphs are stored once and handed out as one object, so scoring
sees each distinct graph once.

A table is loaded on first use and checked then against fresh builds of a few architectures (milliseconds); a
stale one (the representation changed since it was written) is ignored with a warning, so graphs are always what
the builder produces. A space gets a table by adding ``TABLE`` to its adapter's ``supports`` and running ``--build``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import warnings
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..graph import ArchGraph, concat_ranges
from ..outputs import atomic_path
from ..shapes import RAW, Cost, NodeShape
from . import TABLE, supporting  # the package is loaded first, also under `python -m`

#: spaces whose every architecture's ``network`` graph (default dataset) ships as a table
TABLE_SPACES: tuple[str, ...] = supporting(TABLE)
#: where the tables live
TABLE_DIR = Path(__file__).with_name("data")
#: bump when the file layout changes
FORMAT = 1
#: NodeShape's fields, in the order of a table's shape rows (ints stay ints)
_SHAPE_FIELDS = tuple(f.name for f in fields(NodeShape) if f.init)
_INT_FIELDS = frozenset(f.name for f in fields(NodeShape) if f.init and f.type in ("int", int))


def table_path(space: str) -> Path:
    """The packaged table file of a space."""
    return TABLE_DIR / f"{space}_network.npz"


def _digest(archs: Iterable[Any]) -> str:
    """A fingerprint of the space's enumeration (order included)."""
    h = hashlib.sha1()
    for a in archs:
        h.update(repr(a).encode())
        h.update(b";")
    return h.hexdigest()


class GraphTable:
    """One space's packaged network graphs (see the module docstring): graphs by architecture, and the arrays the
    scoring engine reads instead of walking the graph objects."""

    def __init__(self, space: str, data: dict[str, np.ndarray]) -> None:
        self.space = space
        self.ops: list[str] = data["ops"].tolist()
        self.shape_rows = np.ascontiguousarray(data["shapes"], dtype=np.float64)  # [S, 9] in shapes.RAW order
        #: per shape its instances as the engine's readout weights them (featurize.node_weights)
        self.shape_instances = self.shape_rows[:, RAW.index("instances")].astype(np.float32)
        self.costs = np.ascontiguousarray(data["costs"], dtype=np.float64)  # [C, 2] flops, params
        self.node_offsets = data["graph_nodes"].astype(np.int64)  # [G + 1]
        self.edge_offsets = data["graph_edges"].astype(np.int64)  # [G + 1]
        self.graph_cost = data["graph_cost"].astype(np.int64)  # [G]
        self.graph_shaped = data["graph_shaped"].astype(bool)  # [G]: False = the disconnected graph (no shapes)
        self.graph_depth = data["graph_depth"].astype(np.float64)  # [G]: featurize.weighted_depth
        self.node_op = data["node_op"].astype(np.int64)  # [N]
        self.node_shape = data["node_shape"].astype(np.int64)  # [N] (-1: none)
        self.edge_src = data["edge_src"].astype(np.int64)  # [E], graph-local
        self.edge_dst = data["edge_dst"].astype(np.int64)
        self.arch_graph = data["arch_graph"].astype(np.int64)  # [archs] in enumerate() order
        self.probes = data["probes"].astype(np.int64)  # architecture rows checked against fresh builds at load
        self.count = int(data["count"])
        self.digest = str(data["digest"])
        self.space_label = str(data["graph_space"])
        self._graphs: list[ArchGraph] | None = None  # by graph id
        self._by_row: list[ArchGraph] | None = None  # by architecture row
        self._index: dict[Any, int] | None = None
        self._shapes = tuple(NodeShape(**{k: int(v) if k in _INT_FIELDS else float(v)
                                          for k, v in zip(_SHAPE_FIELDS, row)}) for row in self.shape_rows.tolist())
        self._cost_objs = tuple(Cost(float(f), float(p)) for f, p in self.costs.tolist())
        self._feature_cache: dict[tuple[str, ...], np.ndarray] = {}

    def __reduce__(self) -> tuple:
        return load_table, (self.space,)  # graphs sent to other processes point to their own copy, not the arrays

    # graphs --------------------------------------------------------------------------------------------------------
    @property
    def num_graphs(self) -> int:
        """Distinct graphs in the table."""
        return len(self.graph_cost)

    def index(self) -> dict[Any, int]:
        """Canonical architecture -> row (built once from the space's enumeration)."""
        if self._index is None:
            from . import SPACES

            self._index = {a: i for i, a in enumerate(SPACES[self.space].enumerate())}
            if len(self._index) != self.count:
                raise ValueError(f"the {self.space} table has {self.count} rows but the space enumerates "
                                 f"{len(self._index)}: rebuild it (python -m tgnas_naslib.spaces.tables --build)")
        return self._index

    def row(self, arch: Any) -> int | None:
        """The row of a canonical architecture, or None."""
        return self.index().get(arch)

    def graph(self, arch: Any) -> ArchGraph | None:
        """The network graph of a canonical architecture (None: not in the table)."""
        row = self.index().get(arch)
        return None if row is None else self._rows()[row]

    def graph_at_row(self, row: int) -> ArchGraph:
        """The graph of the architecture at ``row`` (one shared object per distinct graph)."""
        return self._rows()[row]

    def graph_by_id(self, gid: int) -> ArchGraph:
        """Distinct graph ``gid``."""
        return self._distinct()[gid]

    def graphs(self) -> list[ArchGraph]:
        """Every architecture's graph, in the space's enumeration order."""
        return list(self._rows())

    def _rows(self) -> list[ArchGraph]:
        if self._by_row is None:
            graphs = self._distinct()
            self._by_row = [graphs[g] for g in self.arch_graph.tolist()]
        return self._by_row

    def _distinct(self) -> list[ArchGraph]:
        """Every distinct graph, made at once on first use from interned operators, shapes, edge pairs and costs
        (each graph's tuples are slices of three table-wide tuples)."""
        if self._graphs is None:
            width = int(max(self.edge_src.max(initial=0), self.edge_dst.max(initial=0))) + 1
            pair_ids = self.edge_src * width + self.edge_dst
            pairs = np.empty(width * width, dtype=object)  # one interned (src, dst) tuple per pair that occurs
            for p in np.flatnonzero(np.bincount(pair_ids, minlength=width * width)).tolist():
                pairs[p] = divmod(p, width)
            shapes = np.empty(len(self._shapes), dtype=object)
            shapes[:] = self._shapes
            all_ops = tuple(np.array(self.ops, dtype=object)[self.node_op].tolist())
            all_shapes = tuple(shapes[self.node_shape].tolist())  # -1 (no shapes) reads any: never used
            all_edges = tuple(pairs[pair_ids].tolist())
            nodes, edges = self.node_offsets.tolist(), self.edge_offsets.tolist()
            costs = [self._cost_objs[c] for c in self.graph_cost.tolist()]
            trusted, label = ArchGraph._trusted, self.space_label
            self._graphs = [trusted(all_ops[nodes[g]:nodes[g + 1]], all_edges[edges[g]:edges[g + 1]], label,
                                    all_shapes[nodes[g]:nodes[g + 1]] if shaped else None, costs[g], (self, g),
                                    "network")
                            for g, shaped in enumerate(self.graph_shaped.tolist())]
        return self._graphs

    # arrays for the scoring engine ---------------------------------------------------------------------------------
    def batch(self, gids: np.ndarray) -> dict[str, np.ndarray]:
        """Graphs ``gids`` as one disjoint union: per node its operator id (into :attr:`ops`), shape id, graph (its
        position in ``gids``) and a key equal exactly where operator, shape and network (cost and input size) all
        are; the edges (batch numbering, [2, E]) and the graph sizes."""
        starts, counts = self.node_offsets[gids], self.node_offsets[gids + 1] - self.node_offsets[gids]
        nodes = concat_ranges(starts, counts)
        estarts = self.edge_offsets[gids]
        ecounts = self.edge_offsets[gids + 1] - estarts
        edges = concat_ranges(estarts, ecounts)
        shift = np.repeat(np.cumsum(counts) - counts, ecounts)
        op, shape = self.node_op[nodes], self.node_shape[nodes]
        graph = np.repeat(np.arange(len(gids)), counts)
        n_shapes = len(self.shape_rows) + 1
        key = ((op * n_shapes + shape) * len(self.costs) + self.graph_cost[gids][graph]) * n_shapes \
            + self.node_shape[starts][graph]
        return {"op": op, "shape": shape, "graph": graph, "key": key, "sizes": counts,
                "edges": np.stack([self.edge_src[edges] + shift, self.edge_dst[edges] + shift])}

    def network_rows(self, gids: np.ndarray) -> np.ndarray:
        """Per graph the network numbers its nodes' features read: (flops, params, input size) [len(gids), 3]."""
        return np.concatenate([self.costs[self.graph_cost[gids]],
                               self.shape_rows[self.node_shape[self.node_offsets[gids]], 2:3]], 1)

    def graph_features(self, gids: np.ndarray, names: Sequence[str]) -> np.ndarray:
        """The raw graph-level features ``names`` of graphs ``gids`` (featurize.graph_matrix's values), float32."""
        key = tuple(names)
        table = self._feature_cache.get(key)
        if table is None:
            from ..model.featurize import graph_rows

            table = self._feature_cache[key] = graph_rows(self.costs[self.graph_cost], self.graph_depth, key)
        return table[gids]

    # checks --------------------------------------------------------------------------------------------------------
    def stale_rows(self, rows: Iterable[int]) -> list[int]:
        """The rows among ``rows`` whose table graph differs from a fresh build (ops, edges, shapes and their types,
        cost)."""
        from . import SPACES

        space = SPACES[self.space]
        archs = list(self.index())
        bad = []
        for r in rows:
            fresh = space.build_network(archs[r], space.datasets[0]).graph()
            if not same_graph(self.graph_at_row(r), fresh):
                bad.append(r)
        return bad


def same_graph(a: ArchGraph, b: ArchGraph) -> bool:
    """Equal operators, edges, shapes (field types included: ``1`` is not ``1.0``), cost and space."""
    return (a.ops == b.ops and a.edges == b.edges and a.space == b.space and a.cost == b.cost
            and repr(a.shapes) == repr(b.shapes))


def load_packaged(space: str, path: Path, known: Iterable[str], fmt: int, make: Any, what: str, module: str) -> Any:
    """``make(space, arrays)`` of the packaged file ``path`` of ``space``, or None: no such file, another format, or
    stale probes (then a warning names the rebuild command). The one loader of :func:`load_table` and
    :func:`~tgnas_naslib.spaces.skeletons.load_skeletons`."""
    if space not in known or not path.exists():
        return None
    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    rebuild = f"(rebuild: python -m tgnas_naslib.spaces.{module} --build)"
    if int(data["format"]) != fmt:
        warnings.warn(f"{path.name} has format {int(data['format'])}, not {fmt}: building {space} {what} instead "
                      f"{rebuild}", stacklevel=3)
        return None
    table = make(space, data)
    if table.stale_rows(table.probes.tolist()):
        warnings.warn(f"{path.name} no longer matches the {space} {what}: building them instead {rebuild}",
                      stacklevel=3)
        return None
    return table


@lru_cache(maxsize=None)
def load_table(space: str) -> GraphTable | None:
    """The packaged table of ``space`` (None: it has none, or it is stale: then a warning says how to rebuild)."""
    return load_packaged(space, table_path(space), TABLE_SPACES, FORMAT, GraphTable, "network graphs", "tables")


# building -----------------------------------------------------------------------------------------------------------
def _smallest_uint(values: np.ndarray) -> np.ndarray:
    top = int(values.max()) if values.size else 0
    return values.astype(np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.uint32)


def build_table(space: str, graphs: Sequence[ArchGraph] | None = None) -> dict[str, np.ndarray]:
    """The arrays of ``space``'s table, from the generic builder (``graphs``: the ready graphs, in enumerate order)."""
    from ..model.featurize import weighted_depth
    from . import SPACES

    adapter = SPACES[space]
    archs = list(adapter.enumerate())
    if graphs is None:
        dataset = adapter.datasets[0]
        graphs = [adapter.build_network(a, dataset).graph() for a in archs]
    distinct: dict[ArchGraph, int] = {}
    arch_graph = np.array([distinct.setdefault(g, len(distinct)) for g in graphs], dtype=np.int64)
    ops: dict[str, int] = {}
    shapes: dict[tuple, int] = {}
    costs: dict[tuple[float, float], int] = {}
    node_op, node_shape, src, dst, n_nodes, n_edges, graph_cost, shaped, depth = ([] for _ in range(9))
    labels = {g.space for g in distinct}
    if len(labels) != 1:
        raise ValueError(f"{space} graphs name several spaces: {labels}")
    for g in distinct:
        node_op += [ops.setdefault(o, len(ops)) for o in g.ops]
        if g.shapes is None:
            node_shape += [-1] * g.num_nodes
        else:
            node_shape += [shapes.setdefault(tuple(getattr(s, k) for k in _SHAPE_FIELDS), len(shapes))
                           for s in g.shapes]
        src += [a for a, _ in g.edges]
        dst += [b for _, b in g.edges]
        n_nodes.append(g.num_nodes)
        n_edges.append(len(g.edges))
        if g.cost is None:
            raise ValueError(f"a {space} network graph came without its cost")
        graph_cost.append(costs.setdefault((g.cost.flops, g.cost.params), len(costs)))
        shaped.append(g.shapes is not None)
        depth.append(weighted_depth(g))
    sizes = np.array(n_nodes, dtype=np.int64)
    # probes: the largest graph and two more spread over the enumeration, rebuilt and compared at every load
    largest = int(np.argmax(sizes[arch_graph]))
    probes = sorted({largest, len(archs) // 3, (2 * len(archs)) // 3})
    return {
        "format": np.array(FORMAT), "count": np.array(len(archs)), "digest": np.array(_digest(archs)),
        "graph_space": np.array(labels.pop()),
        "ops": np.array(list(ops)), "shapes": np.array(list(shapes), dtype=np.float64).reshape(-1, len(_SHAPE_FIELDS)),
        "costs": np.array(list(costs), dtype=np.float64).reshape(-1, 2),
        "graph_nodes": _smallest_uint(np.concatenate([[0], np.cumsum(sizes)])),
        "graph_edges": _smallest_uint(np.concatenate([[0], np.cumsum(n_edges)])),
        "graph_cost": _smallest_uint(np.array(graph_cost)), "graph_shaped": np.array(shaped, dtype=bool),
        "graph_depth": np.array(depth, dtype=np.float64),
        "node_op": _smallest_uint(np.array(node_op)),
        "node_shape": np.array(node_shape, dtype=np.int16 if len(shapes) < 2**15 else np.int32),
        "edge_src": _smallest_uint(np.array(src)), "edge_dst": _smallest_uint(np.array(dst)),
        "arch_graph": _smallest_uint(arch_graph), "probes": np.array(probes, dtype=np.int64),
    }


def _build_graphs(space: str, jobs: int) -> list[ArchGraph]:
    from . import SPACES

    adapter = SPACES[space]
    archs = list(adapter.enumerate())
    if jobs <= 1:
        return [adapter.build_network(a, adapter.datasets[0]).graph() for a in archs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(_fresh_graph, [(space, a) for a in archs], chunksize=256))


def _fresh_graph(item: tuple[str, Any]) -> ArchGraph:
    from . import SPACES

    space, arch = item
    adapter = SPACES[space]
    return adapter.build_network(arch, adapter.datasets[0]).graph()


def check_table(space: str, rows: Iterable[int] | None = None, jobs: int = 1) -> list[int]:
    """Rows whose packaged graph differs from a fresh build (all rows by default), plus a check of the enumeration
    fingerprint; raises when the space has no usable table."""
    table = load_table(space)
    if table is None:
        raise ValueError(f"{space} has no usable table ({table_path(space)})")
    from . import SPACES

    archs = list(SPACES[space].enumerate())
    if _digest(archs) != table.digest:
        raise ValueError(f"the {space} enumeration changed since its table was written: rebuild it")
    if rows is not None:
        return table.stale_rows(rows)
    fresh = _build_graphs(space, jobs)
    return [r for r, g in enumerate(fresh) if not same_graph(table.graph_at_row(r), g)]


def packaged_cli(argv: Sequence[str] | None, description: str, known: Sequence[str], what: str,
                 build: Callable[[str, int], str], check: Callable[[str, int], tuple[str, bool]]) -> int:
    """The ``--build`` / ``--check`` command of a packaged table module: ``build(space, jobs)`` writes one space's
    table and says what it wrote; ``check(space, jobs)`` says whether it equals a fresh build (and if it failed)."""
    ap = argparse.ArgumentParser(description=description)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--build", action="store_true", help=f"write the tables from freshly built {what}")
    mode.add_argument("--check", action="store_true", help=f"compare every table's {what} with a fresh build")
    ap.add_argument("spaces", nargs="*", default=list(known), help=f"default: {' '.join(known)}")
    ap.add_argument("--jobs", type=int, default=2, help=f"processes building {what}")
    args = ap.parse_args(argv)
    status = 0
    for space in args.spaces:
        if space not in known:
            ap.error(f"{space} is not one of {', '.join(known)}")
        t = time.perf_counter()
        if args.build:
            line, failed = build(space, args.jobs), False
        else:
            line, failed = check(space, args.jobs)
        print(f"{space}: {line} ({time.perf_counter() - t:.0f} s)", file=sys.stderr if failed else sys.stdout)
        status |= failed
    return status


def write_packaged(path: Path, arrays: dict[str, np.ndarray], loader: Any) -> str:
    """Write a packaged table and forget the loaded one (``loader``'s cache); says where and how big."""
    path.parent.mkdir(exist_ok=True)
    with atomic_path(path) as tmp:  # a packaged table is whole or as it was
        np.savez_compressed(tmp, **arrays)
    loader.cache_clear()
    return f"{int(arrays['count'])} archs -> {path} ({path.stat().st_size / 1024:.0f} KiB)"


def _build_one(space: str, jobs: int) -> str:
    arrays = build_table(space, _build_graphs(space, jobs))
    return (f"{len(arrays['graph_cost'])} distinct graphs, {int(arrays['graph_nodes'][-1])} nodes; "
            + write_packaged(table_path(space), arrays, load_table))


def _check_one(space: str, jobs: int) -> tuple[str, bool]:
    bad = check_table(space, jobs=jobs)
    return ("all graphs equal a fresh build" if not bad else f"{len(bad)} rows differ: {bad[:10]}"), bool(bad)


def main(argv: Sequence[str] | None = None) -> int:
    """``--build`` / ``--check`` the packaged tables."""
    return packaged_cli(argv, __doc__.split("\n")[0], TABLE_SPACES, "network graphs", _build_one, _check_one)


if __name__ == "__main__":
    sys.exit(main())
