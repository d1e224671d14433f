"""Where scoring runs: the trained GCN ensemble as plain torch tensors, no torch-geometric.

The same arithmetic as :class:`~tgnas_naslib.model.gcn.TGNASGCN` in eval mode (a test holds the two equal), laid
out for throughput and repeatability:

* layer 1 is a per-operator table: ``embedding(op) @ W1`` is computed once per operator name and looked up per node,
  instead of multiplying a 384-wide node matrix; the shape features add their own small product;
* the ensemble runs as one batch: its members' hidden states sit side by side ([members, nodes, hidden]);
* every quantity of a graph depends only on that graph (row-wise products, per-graph propagation rows in a fixed
  order, per-graph sums added node by node with ``index_add_``), so a score does not depend on which other graphs
  share its chunk or on the thread count, up to the CPU's kernels: a BLAS library may take another code path for
  another number of rows (MKL on AVX-512 changes the last bits, ~1e-7 relative), so scores are equal within 1e-6
  relative and rank the same however the input is cut (tested, also under ``MKL_CBWR=COMPATIBLE`` and
  ``ATEN_CPU_CAPABILITY=default``); bit-identity across batch sizes is a property of a machine, never promised.

Because a row's result depends only on that row's numbers, equal rows need computing once. Graphs from a packaged
table (:mod:`tgnas_naslib.spaces.tables`) use that: the table hands over arrays instead of graph objects, graphs of
one network cost are scored together, nodes with equal operator and features share one input row, and nodes whose
first-layer propagation rows are equal (the same input rows, weights and column order: :func:`_first_layer_classes`)
share one first-layer output and one second-layer product. :meth:`Engine.score_reference` computes every node of
every graph the plain way; the fast path is tested equal to it (within 1e-6 relative, the same ranking).
"""

from __future__ import annotations

import threading
from itertools import chain
from typing import Any, Iterator, NamedTuple, Sequence

import numpy as np
import torch

from ..embedding import OperatorEmbedder
from ..graph import ArchGraph, concat_ranges
from ..shapes import feature_columns
from .config import TrainConfig
from .featurize import graph_matrix, node_weights, shape_matrix
from .propagate import propagation_arrays, to_csr

#: graphs are scored in pieces of about this many nodes: a piece's activations ([members, nodes, hidden] floats) stay
#: in cache (measured on all NB201 network graphs: 8k-16k-node pieces score 20-40% faster than 32k-node ones)
PIECE_NODES = 12288
#: products run on at least this many node rows (zero rows pad small inputs): BLAS takes another code path for
#: very small matrices, which changed a lone graph's score in the last bit (seen with no padding; 8 rows already
#: match, tested on single graphs of every space; 32 keeps a margin at a fraction of the cost of 256)
MIN_ROWS = 32


class EngineUnsupported(ValueError):
    """The checkpoint's architecture needs the torch-geometric path (e.g. GraphNorm)."""


class Engine:
    """A trained ensemble ready to score graphs: ``Engine(states, config).score(graphs) -> np.ndarray``."""

    def __init__(self, states: Sequence[dict], config: TrainConfig, embedder: OperatorEmbedder | None = None,
                 device: str | torch.device = "cpu") -> None:
        if config.norm not in ("batch", "none"):
            raise EngineUnsupported(f"norm {config.norm!r} is scored through torch-geometric")
        self.config = config
        self.embedder = embedder or config.embedder()
        self.device = torch.device(device)
        self.in_dim = self.embedder.dim
        self.members = len(states)
        self.hidden = config.hidden
        self.readout = config.readout
        dev = self.device
        stack = lambda key: torch.stack([s[key].float() for s in states]).to(dev)  # noqa: E731
        w1 = stack("convs.0.lin.weight")  # [M, H, in + shape]
        self.w1_text = w1[:, :, :self.in_dim].contiguous()
        n_shape = len(config.node_features)
        if n_shape:
            std = stack("shape_std")  # [M, S]; inf = a feature constant in training, switched off
            mean = stack("shape_mean")
            scale = torch.where(torch.isinf(std), torch.zeros_like(std), 1.0 / std)
            w1_shape = w1[:, :, self.in_dim:] * scale[:, None, :]  # [M, H, S]
            self.w1_shape = w1_shape.transpose(1, 2).contiguous()  # [M, S, H]
            self.b1_shape = -(torch.where(torch.isinf(std), torch.zeros_like(mean), mean)[:, None, :]
                              @ self.w1_shape).squeeze(1)  # [M, H]
        self.layers = []
        for k in range(config.layers):
            w = stack(f"convs.{k}.lin.weight").transpose(1, 2).contiguous() if k else None  # [M, H, H]
            bias = stack(f"convs.{k}.bias")  # [M, H]
            if config.norm == "batch":
                g, b = stack(f"norms.{k}.module.weight"), stack(f"norms.{k}.module.bias")
                rm, rv = stack(f"norms.{k}.module.running_mean"), stack(f"norms.{k}.module.running_var")
                scale = g / torch.sqrt(rv + 1e-5)
                shift = b - rm * scale
            else:
                scale, shift = torch.ones_like(bias), torch.zeros_like(bias)
            # conv bias and batch norm folded into one affine map per channel: (A x W + b) * scale + shift
            self.layers.append((w, (scale[:, None, :].contiguous(), (bias * scale + shift)[:, None, :].contiguous())))
        self.head_w = stack("head.weight")[:, 0, :]  # [M, D]
        self.head_b = stack("head.bias")[:, 0]  # [M]
        self.graph_features = config.graph_features
        if self.graph_features:
            self.size_w = stack("size_head.weight")[:, 0, :]  # [M, F]
            self.size_mean, self.size_std = stack("size_mean"), stack("size_std")
        self._table: dict[str, torch.Tensor] = {}  # op name -> [M, H] first-layer row
        self._table_ops: tuple[Any, torch.Tensor] | None = None  # a graph table and the rows of its operators
        self._scratch = threading.local()  # flat scratch buffers per thread (see _work)

    # first layer as a per-operator table -------------------------------------------------------------------------
    def _rows(self, names: list[str]) -> torch.Tensor:
        missing = [n for n in names if n not in self._table]
        if missing:
            vectors = torch.from_numpy(self.embedder.embed(missing)).to(self.device)
            for name, vec in zip(missing, vectors):
                # one operator at a time: its row never depends on which other operators came with it
                self._table[name] = torch.einsum("mhi,i->mh", self.w1_text, vec)
        return torch.stack([self._table[n] for n in names], 1)  # [M, V, H]

    # scoring -----------------------------------------------------------------------------------------------------
    @torch.no_grad()
    def score(self, graphs: Sequence[ArchGraph]) -> np.ndarray:
        """Mean prediction of the ensemble for each (connected) graph, float64 [len(graphs)].

        Graphs are scored in pieces of about :data:`PIECE_NODES` nodes (a piece's activations stay in cache; scores
        do not depend on the cut). Graphs read from a packaged table (:mod:`tgnas_naslib.spaces.tables`) come in as
        the table's arrays, grouped by network cost, and their first layer runs once per distinct node (see
        :func:`_first_layer_classes`)."""
        if not graphs:
            return np.empty(0)
        self._check_fusion(graphs)
        out = np.empty(len(graphs), dtype=np.float64)
        for lo, hi, table in _runs(graphs):
            run = graphs[lo:hi]
            if table is None:
                self._score_graphs(run, out[lo:hi])
                continue
            gids = np.fromiter((g._source[1] for g in run), dtype=np.int64, count=len(run))  # type: ignore[index]
            bare = np.flatnonzero(~table.graph_shaped[gids])  # without shapes (disconnected): the graph path's rules
            if bare.size:
                self._score_graphs([run[i] for i in bare.tolist()], view := np.empty(bare.size))
                out[lo + bare] = view
            # graphs of one network cost together: their nodes' features, and so their first layer, repeat
            order = np.argsort(table.graph_cost[gids], kind="stable")
            order = order[table.graph_shaped[gids[order]]]
            sizes = table.node_offsets[gids + 1] - table.node_offsets[gids]
            for a, b in _cut(sizes[order].tolist(), PIECE_NODES):
                sel = order[a:b]
                out[lo + sel] = self._forward(self._table_batch(gids[sel], table))
        return self._fuse(out, graphs)

    def _score_graphs(self, graphs: Sequence[ArchGraph], out: np.ndarray) -> None:
        """Score graphs read from their objects, piece by piece, into ``out``."""
        for a, b in _cut([g.num_nodes for g in graphs], PIECE_NODES):
            out[a:b] = self._forward(self._graph_batch(graphs[a:b]))

    @torch.no_grad()
    def score_reference(self, graphs: Sequence[ArchGraph]) -> np.ndarray:
        """:meth:`score` the slow way (one batch, every feature read node by node from the graph objects, every node
        through every layer): what the fast paths are tested against."""
        if not graphs:
            return np.empty(0)
        self._check_fusion(graphs)
        return self._fuse(self._forward(self._graph_batch(graphs)), graphs)

    def _check_fusion(self, graphs: Sequence[ArchGraph]) -> None:
        if self.config.flops_fusion and any(g.cost is None for g in graphs):
            from .featurize import ShapeContextError

            raise ShapeContextError("this TG-NAS variant adds log10(network FLOPs) to its score, but a graph came "
                                    "without shape context (build it with a space adapter or module_graph)")

    def _fuse(self, scores: np.ndarray, graphs: Sequence[ArchGraph]) -> np.ndarray:
        if self.config.flops_fusion:
            scores = scores + self.config.flops_fusion * np.log10([g.cost.flops for g in graphs])  # type: ignore[union-attr]
        return scores

    def _graph_batch(self, graphs: Sequence[ArchGraph]) -> _Batch:
        """A batch read from the graph objects (any graphs): one input row per node."""
        vocab: dict[str, int] = {}
        op_ids = np.fromiter((vocab.setdefault(op, len(vocab)) for g in graphs for op in g.ops), dtype=np.int64)
        sizes = np.fromiter((g.num_nodes for g in graphs), dtype=np.int64, count=len(graphs))
        n_edges = np.fromiter((len(g.edges) for g in graphs), dtype=np.int64, count=len(graphs))
        flat = np.fromiter(chain.from_iterable(chain.from_iterable(g.edges for g in graphs)), dtype=np.int64,
                           count=2 * int(n_edges.sum())).reshape(-1, 2)
        starts = np.cumsum(sizes) - sizes  # each graph's first node
        edges = (flat + np.repeat(starts, n_edges)[:, None]).T  # [2, E] (source, target), batch numbering
        cfg = self.config
        return _Batch(self._rows(list(vocab)), op_ids,
                      shape_matrix(graphs, cfg.node_features) if cfg.node_features else None, None, sizes,
                      np.ascontiguousarray(edges), node_weights(graphs) if self.readout == "mean+isum" else None,
                      graph_matrix(graphs, self.graph_features) if self.graph_features else None)

    def _table_batch(self, gids: np.ndarray, table: Any) -> _Batch:
        """A batch of graphs of one packaged table, gathered from its arrays (the same values as _graph_batch): one
        input row per class of nodes with equal operator, shape and network (equal features), and each node's class."""
        arrays = table.batch(gids)
        _, first, node_class = np.unique(arrays["key"], return_index=True, return_inverse=True)
        cfg = self.config
        feats = None
        if cfg.node_features:
            shapes = arrays["shape"][first]
            net = table.network_rows(gids)[arrays["graph"][first]]
            feats = feature_columns(table.shape_rows[shapes], net, cfg.node_features)
        if self._table_ops is None or self._table_ops[0] is not table:
            self._table_ops = (table, self._rows(table.ops))
        return _Batch(self._table_ops[1], arrays["op"][first], feats, node_class.reshape(-1), arrays["sizes"],
                      arrays["edges"], table.shape_instances[arrays["shape"]] if self.readout == "mean+isum" else None,
                      table.graph_features(gids, self.graph_features) if self.graph_features else None)

    def _work(self, slot: int, rows: int) -> torch.Tensor:
        """A [M, rows, H] scratch tensor, reused piece after piece (fresh large tensors cost page faults each time);
        a batch far larger than a piece gets a fresh one, so the engine never keeps more than a few pieces' worth."""
        size = self.members * rows * self.hidden
        if rows > 2 * PIECE_NODES:
            return torch.empty((self.members, rows, self.hidden), device=self.device)
        scratch = self._scratch.__dict__.setdefault("buffers", {})  # per thread: concurrent scores never share
        buf = scratch.get(slot)
        if buf is None or buf.numel() < size:
            buf = scratch[slot] = torch.empty(max(size, self.members * PIECE_NODES * self.hidden), device=self.device)
        return buf[:size].view(self.members, rows, self.hidden)

    def _inputs(self, table: torch.Tensor, op_ids: np.ndarray, feats: np.ndarray | None, rows: int) -> torch.Tensor:
        """First-layer inputs [M, rows, H] of these operators and raw features (zero rows pad them)."""
        ids = np.zeros(rows, dtype=np.int64)
        ids[:len(op_ids)] = op_ids
        x = _gather_rows(table, torch.from_numpy(ids).to(self.device))  # [M, rows, H]
        if self.config.node_features:
            padded = np.zeros((rows, feats.shape[1]), dtype=np.float32)  # type: ignore[union-attr]
            padded[:len(feats)] = feats  # type: ignore[arg-type]
            x = x + torch.matmul(torch.from_numpy(padded).to(self.device), self.w1_shape) + self.b1_shape[:, None, :]
        return x

    def _forward(self, batch: _Batch) -> np.ndarray:
        """The ensemble's mean prediction for every graph of a batch (the GCN's eval-mode arithmetic)."""
        sizes = batch.sizes
        offset = int(sizes.sum())
        n = max(offset, MIN_ROWS)  # padding nodes: no op, no edges, self-loop only, outside every graph
        n_graphs = len(sizes)
        m, h = self.members, self.hidden
        crow, col, weight = propagation_arrays(batch.edges, n, self.config.undirected, dag=True)
        layers = self.layers
        if batch.node_class is None:  # one input row per node
            hid = self._inputs(batch.op_table, batch.op_ids, batch.feats, n)  # [M, N, H]: members' nodes contiguous
        else:  # one input row per class of equal nodes (c0), then the first layer once per class of equal rows (c1)
            c0 = batch.node_class
            x0 = self._inputs(batch.op_table, batch.op_ids, batch.feats, max(len(batch.op_ids), MIN_ROWS))
            classes = _first_layer_classes(c0, crow, col, weight, offset)
            index = np.zeros(n, dtype=np.int64)
            if classes is None:  # every node through every layer, its input row read from its class
                index[:offset] = c0
                hid = _gather_rows(x0, torch.from_numpy(index).to(self.device))
            else:
                first1, c1 = classes
                lens = crow[first1 + 1] - crow[first1]
                entries = concat_ranges(crow[first1], lens)
                rows = max(len(first1), MIN_ROWS)
                crow1 = np.full(rows + 1, lens.sum(), dtype=np.int64)
                crow1[0] = 0
                np.cumsum(lens, out=crow1[1:len(first1) + 1])
                # a c1 class's propagation row: its first node's row, each column read through that node's c0 class
                adj1 = to_csr(crow1, c0[col[entries]], weight[entries], (rows, x0.shape[1])).to(self.device)
                _, (scale, shift) = layers[0]
                hid = x0.new_empty((m, rows, h))
                for k in range(m):
                    _spmm(adj1, x0[k], hid[k])
                hid = hid.mul_(scale).add_(shift).relu_()
                index[:offset] = c1  # padding nodes read class 0: no edges, outside every graph
                if len(layers) == 1:
                    hid = _gather_rows(hid, torch.from_numpy(index).to(self.device), self._work(0, n))
                else:  # the next layer's product once per class too; its propagation reads every column's class
                    w, (scale, shift) = layers[1]
                    hid = torch.bmm(hid, w)
                    adj2 = to_csr(crow, index[col], weight, (n, rows)).to(self.device)
                    prop = self._work(0, n)
                    for k in range(m):
                        _spmm(adj2, hid[k], prop[k])
                    hid = prop.mul_(scale).add_(shift).relu_()
                layers = layers[2:]
        adj = to_csr(crow, col, weight, (n, n)).to(self.device)
        scratch = [self._work(i, n) for i in range(3)]

        def other(t: torch.Tensor) -> torch.Tensor:  # a scratch tensor that is not t
            return next(b for b in scratch if b.data_ptr() != t.data_ptr())

        for w, (scale, shift) in layers:
            if w is not None:
                hid = torch.bmm(hid, w, out=other(hid))
            prop = other(hid)
            for k in range(m):
                _spmm(adj, hid[k], prop[k])
            hid = prop.mul_(scale).add_(shift).relu_()
        lengths = torch.from_numpy(sizes).to(self.device)
        graph_of = torch.repeat_interleave(torch.arange(n_graphs, device=self.device), lengths)
        hid = hid[:, :offset]
        summed = _graph_sums(hid, graph_of, n_graphs)  # [M, G, H]
        if self.readout == "mean":
            pooled = summed / lengths[None, :, None]
        elif self.readout == "sum":
            pooled = summed
        elif self.readout == "mean+sum":  # per member [mean | sum]
            pooled = torch.cat([summed / lengths[None, :, None], summed], 2)
        else:  # mean+isum: [mean | sum weighted by each node's instances]
            w = torch.from_numpy(batch.weights).to(self.device)
            weighted = _graph_sums(hid.mul_(w[None, :, None]), graph_of, n_graphs)  # hid is not read again
            pooled = torch.cat([summed / lengths[None, :, None], weighted], 2)
        # products, not reductions: a sum over a dimension may be vectorised differently for another number of
        # graphs, a matrix product's row never is (tested), so a graph's score cannot depend on its chunk
        out = torch.bmm(pooled.contiguous(), self.head_w[:, :, None])[:, :, 0] + self.head_b[:, None]  # [M, G]
        if self.graph_features:
            gf = torch.from_numpy(batch.graph_feats).to(self.device)  # [G, F]
            z = (gf[None] - self.size_mean[:, None, :]) / self.size_std[:, None, :]  # inf std: a constant feature, 0
            out = out + torch.bmm(z.contiguous(), self.size_w[:, :, None])[:, :, 0]
        total = out[0].clone()
        for k in range(1, m):  # the ensemble mean, added in member order
            total += out[k]
        return (total / m).double().cpu().numpy()


def _spmm(adj: torch.Tensor, x: torch.Tensor, out: torch.Tensor) -> None:
    """``out = adj @ x`` (sparse CSR times dense): the same product as ``torch.mm(adj, x, out=out)`` without zeroing
    ``out`` first (beta 0: whatever ``out`` held is ignored, NaN included; tested)."""
    torch.addmm(out, adj, x, beta=0, out=out)


def _gather_rows(values: torch.Tensor, index: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """``values[:, index]`` ([M, R, H] -> [M, len(index), H], into ``out`` if given), one member at a time (7x faster
    than along the middle dimension; a copy either way)."""
    if out is None:
        out = values.new_empty((values.shape[0], len(index), values.shape[2]))
    for k in range(values.shape[0]):
        torch.index_select(values[k], 0, index, out=out[k])
    return out


def _graph_sums(hid: torch.Tensor, graph_of: torch.Tensor, n_graphs: int) -> torch.Tensor:
    """Per-graph sums of node rows [M, G, H]: index_add_ adds a graph's rows one after another in node order,
    whatever else is in the batch (the same sums as segment_reduce; one member at a time, along rows, is 2.5x faster
    than along the middle dimension, with the same additions)."""
    out = hid.new_zeros((hid.shape[0], n_graphs, hid.shape[2]))
    for k in range(hid.shape[0]):
        out[k].index_add_(0, graph_of, hid[k])
    return out


class _Batch(NamedTuple):
    """What one forward pass reads: the first-layer operator table [M, V, H], per input row its operator id and raw
    features [R, S] (or None); ``node_class``: each node's input row (None: row i is node i); graph sizes, edges
    [2, E] in batch numbering, node instances [N] (mean+isum readout) and raw graph features [G, F]."""

    op_table: torch.Tensor
    op_ids: np.ndarray
    feats: np.ndarray | None
    node_class: np.ndarray | None
    sizes: np.ndarray
    edges: np.ndarray
    weights: np.ndarray | None
    graph_feats: np.ndarray | None


def _runs(graphs: Sequence[ArchGraph]) -> Iterator[tuple[int, int, Any]]:
    """Maximal runs of graphs with one source (the same packaged table, or none): (start, stop, table or None)."""
    lo, current = 0, None
    for i, g in enumerate(graphs):
        src = g._source
        table = src[0] if src is not None else None
        if i > lo and table is not current:
            yield lo, i, current
            lo = i
        current = table
    yield lo, len(graphs), current


def _cut(sizes: Sequence[int], max_nodes: int) -> Iterator[tuple[int, int]]:
    """Consecutive pieces of at most ``max_nodes`` nodes (at least one graph each): (start, stop)."""
    lo, nodes = 0, 0
    for i, size in enumerate(sizes):
        if i > lo and nodes + size > max_nodes:
            yield lo, i
            lo, nodes = i, 0
        nodes += size
    yield lo, len(sizes)


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _first_layer_classes(c0: np.ndarray, crow: np.ndarray, col: np.ndarray, weight: np.ndarray, nodes: int
                         ) -> tuple[np.ndarray, np.ndarray] | None:
    """Nodes whose first-layer output is computed by the same arithmetic on the same numbers.

    ``c0``: each node's class of equal first-layer inputs. Nodes are in one class here when their propagation rows
    are equal: the same (input class, weight) in the same column order, so the sparse product adds the same products
    in the same order. Returns (first node of each class, class per node) over the first ``nodes`` rows, or None when
    no row repeats or hashing cannot tell rows apart (classes are checked entry by entry, never trusted)."""
    with np.errstate(over="ignore"):
        end = int(crow[nodes])
        lens = np.diff(crow[:nodes + 1])
        pos = np.arange(end, dtype=np.int64) - np.repeat(crow[:nodes], lens)
        values = (c0[col[:end]].astype(np.uint64) << np.uint64(32)) | weight[:end].view(np.uint32)
        x = (values + pos.astype(np.uint64) * _MIX[0]) * _MIX[1]
        x ^= x >> np.uint64(31)
        x *= _MIX[2]
        hashed = np.add.reduceat(x, crow[:nodes]) + lens.astype(np.uint64) * _MIX[0]  # every row has its self-loop
    _, first, c1 = np.unique(hashed, return_index=True, return_inverse=True)
    if len(first) == nodes:
        return None
    rep = first[c1]
    if not np.array_equal(lens[rep], lens) or not np.array_equal(values[np.repeat(crow[rep], lens) + pos], values):
        return None
    return first, c1.reshape(-1)
