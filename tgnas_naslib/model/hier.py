"""Where the hierarchical model lives: block graphs embedded once, summed over the skeleton, plus a size prior.

A network is its skeleton (:mod:`tgnas_naslib.network.skeleton`): blocks in execution order, each a small width-free
graph. The model scores it as

    score = sum over blocks b of [phi(embedding(b), level(b)) + psi(embedding(b), level(b)) * log10(FLOPs of b)]
            + w * log10(network FLOPs)

* ``embedding(b)``: a graph network over the block graph (operator-text embeddings and width-free node features:
  kernel, stride, depthwise), mean and sum readout; computed once per distinct block graph, however many blocks or
  architectures share it (a stage of identical cells, the reduction blocks every NB201 network has);
* ``phi >= 0`` (softplus): a block's structure contribution, from its embedding and how far the network has
  downsampled its input. No channel count reaches it, so the *structure term* is width-invariant: on networks that
  differ only in layer widths it is constant and the ranking is the size term's. Because every ``phi`` is
  non-negative, adding a repeat of a block never lowers the score;
* ``psi >= 0`` (softplus; models with ``block_size``): how much each block's own cost counts, learnt from the block
  and its place (NAS-Bench-Macro's per-layer expansion choices teach it where width pays off);
* ``w >= size_floor`` (softplus): the *size term*, monotone in every layer's width and in depth: cost as a prior,
  not a feature to overrule (the structure term learns what size gets wrong).

Every term is monotone in every block's FLOPs and non-decreasing in the number of blocks, so widening layers or
adding a repeat never lowers a score (tested for random weights).

Everything is plain torch (no torch-geometric): the same module trains, fine-tunes and scores.
"""

from __future__ import annotations

import math
import threading
from typing import Any, NamedTuple, Sequence

import numpy as np
import torch
from torch import nn

from ..graph import concat_ranges
from ..network.skeleton import Block, Skeleton
from .optim import adamw, descend, pairwise_rank_loss
from .propagate import propagation

#: the network-size features the size term can read
SIZE_TERMS = ("flops", "params")


class HierModel(nn.Module):
    """The hierarchical TG-NAS network (see the module docstring)."""

    def __init__(self, in_dim: int, feat_dim: int, hidden: int = 64, layers: int = 3,
                 size_terms: Sequence[str] = ("flops",), block_size: bool = False, size_floor: float = 0.0) -> None:
        super().__init__()
        unknown = [t for t in size_terms if t not in SIZE_TERMS]
        if unknown:
            raise ValueError(f"unknown size term(s) {unknown}; choose from {', '.join(SIZE_TERMS)}")
        self.hparams = dict(in_dim=in_dim, feat_dim=feat_dim, hidden=hidden, layers=layers,
                            size_terms=tuple(size_terms), block_size=block_size, size_floor=float(size_floor))
        self.size_floor = float(size_floor)
        self.inp = nn.Linear(in_dim + feat_dim, hidden)
        self.convs = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))
        self.block = nn.Sequential(nn.Linear(2 * hidden + 1, hidden), nn.ReLU(),
                                   nn.Linear(hidden, 2 if block_size else 1))
        self.size_w = nn.Parameter(torch.zeros(len(size_terms)))

    def embed(self, op_table: torch.Tensor, ops: torch.Tensor, feats: torch.Tensor, adj: torch.Tensor,
              seg: torch.Tensor, n_graphs: int) -> torch.Tensor:
        """Block-graph embeddings [n_graphs, 2 * hidden] (mean | sum readout) of a batch of block graphs: node ``k``
        reads operator text ``op_table[ops[k]]`` and width-free features ``feats[k]``."""
        # the input layer on [text | features], with the text part applied once per operator, not once per node
        # (the same map; a DARTS batch has ~80 nodes per architecture and a few dozen distinct operator texts)
        w, text_dim = self.inp.weight, op_table.shape[1]
        h = torch.relu((op_table @ w[:, :text_dim].T)[ops] + torch.addmm(self.inp.bias, feats, w[:, text_dim:].T))
        for conv, norm in zip(self.convs, self.norms):
            h = torch.relu(norm(adj @ conv(h)))  # `@`, not torch.sparse.mm: the same CSR product, half the time
        sums = h.new_zeros((n_graphs, h.shape[1])).index_add_(0, seg, h)
        counts = h.new_zeros(n_graphs).index_add_(0, seg, torch.ones_like(seg, dtype=h.dtype))
        return torch.cat([sums / counts[:, None], sums], 1)

    def phi(self, emb: torch.Tensor, level: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A block's two non-negative contributions (embeddings [B, 2H], levels [B]): its structure term, and the
        weight of its own log10 FLOPs (the per-block size term; zero unless the model has one)."""
        out = self.block(torch.cat([emb, level[:, None]], 1))
        weight = nn.functional.softplus(out[:, 1] - 2.0) if out.shape[1] > 1 else out.new_zeros(out.shape[0])
        return nn.functional.softplus(out[:, 0]), weight

    def size_weights(self) -> torch.Tensor:
        """The size term's weights, one per size term: at least ``size_floor`` (cost as a prior: the structure term
        learns what size gets wrong, and where it learnt nothing the ranking stays the size term's)."""
        return nn.functional.softplus(self.size_w - 2.0) + self.size_floor

    def forward(self, batch: "HierBatch") -> torch.Tensor:
        """One score per architecture of the batch."""
        emb = self.embed(batch.op_table, batch.ops, batch.feats, batch.adj, batch.seg, batch.n_graphs)
        structure, weight = self.phi(emb[batch.pair_graph], batch.pair_level)
        per_block = structure[batch.pair_of] + weight[batch.pair_of] * batch.block_flops
        per_arch = per_block.new_zeros(batch.n_archs).index_add_(0, batch.arch_of, per_block)
        self.last_structure = per_arch  # training reads it (structure_penalty); scoring never does
        return per_arch + batch.size @ self.size_weights()


class HierBatch(NamedTuple):
    """What one forward pass reads: distinct block graphs (operator-text table, each node's operator id and
    width-free features, propagation matrix, graph of each node), distinct (block graph, level) pairs, per
    architecture block its pair, architecture and log10 FLOPs, and the network size features."""

    op_table: torch.Tensor
    ops: torch.Tensor
    feats: torch.Tensor
    adj: torch.Tensor
    seg: torch.Tensor
    n_graphs: int
    pair_graph: torch.Tensor
    pair_level: torch.Tensor
    pair_of: torch.Tensor
    arch_of: torch.Tensor
    n_archs: int
    size: torch.Tensor
    block_flops: torch.Tensor


def collapse_chains(ops: tuple[str, ...], edges: tuple[tuple[int, int], ...], feats: tuple[tuple[float, ...], ...]
                    ) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...], tuple[tuple[float, ...], ...]]:
    """A block graph with every maximal chain of layers (each the only successor of the one before) merged into one
    node (texts joined, features: their maximum); additions, concatenations, inputs and the output stay."""
    n = len(ops)
    fixed = [o in ("input", "output") or o.startswith(("addition", "concatenation")) for o in ops]
    indeg, outdeg, pred = [0] * n, [0] * n, list(range(n))
    for a, b in edges:
        outdeg[a] += 1
        indeg[b] += 1
        pred[b] = a  # the only predecessor where indeg == 1 (others are not merged)
    head = list(range(n))
    for v in range(n):  # nodes are in topological order
        u = pred[v]
        if indeg[v] == 1 and not fixed[v] and not fixed[u] and outdeg[u] == 1:
            head[v] = head[u]
    groups: dict[int, list[int]] = {}
    for v in range(n):
        groups.setdefault(head[v], []).append(v)
    keep = sorted(groups)
    index = {h: k for k, h in enumerate(keep)}
    new_ops = tuple(ops[h] if len(groups[h]) == 1 else ", ".join(ops[m] for m in groups[h]) for h in keep)
    new_feats = tuple(tuple(feats[h]) if len(groups[h]) == 1 else tuple(map(max, zip(*(feats[m] for m in groups[h]))))
                      for h in keep)
    new_edges = tuple(sorted({(index[head[a]], index[head[b]]) for a, b in edges if head[a] != head[b]}))
    return new_ops, new_edges, new_feats


def _collapse_table_chains(table: Any, vocab: dict[str, int]) -> dict[str, np.ndarray]:
    """:func:`collapse_chains` applied to every block graph of a packaged skeleton table with array operations (the
    per-graph loop took ~1.5 s on NB201's 13,619 block graphs); the arrays :meth:`Featurizer._table_arrays` lays out,
    operator ids in ``vocab`` (extended with the merged texts). Tested equal to the per-graph merge."""
    gn, ge = np.asarray(table.graph_nodes, dtype=np.int64), np.asarray(table.graph_edges, dtype=np.int64)
    n_graphs, n = len(gn) - 1, int(gn[-1])
    graph_of_edge = np.repeat(np.arange(n_graphs), np.diff(ge))
    src = np.asarray(table.edge_src, dtype=np.int64) + gn[graph_of_edge]
    dst = np.asarray(table.edge_dst, dtype=np.int64) + gn[graph_of_edge]
    texts = list(table.ops)
    fixed_op = np.array([t in ("input", "output") or t.startswith(("addition", "concatenation")) for t in texts])
    node_op = np.asarray(table.node_op, dtype=np.int64)
    fixed = fixed_op[node_op]
    indeg, outdeg = np.bincount(dst, minlength=n), np.bincount(src, minlength=n)
    pred = np.arange(n)
    pred[dst] = src  # the only predecessor where indeg == 1 (others are not merged)
    merge = ~fixed & (indeg == 1) & ~fixed[pred] & (outdeg[pred] == 1)
    head = np.where(merge, pred, np.arange(n))
    while True:  # pointer jumping to each chain's first node
        nxt = head[head]
        if np.array_equal(nxt, head):
            break
        head = nxt
    keep = np.flatnonzero(head == np.arange(n))  # chain heads, in the original (topological) order
    new_id = np.searchsorted(keep, head)  # global index of each node's merged node
    graph_of_node = np.repeat(np.arange(n_graphs), np.diff(gn))
    new_counts = np.bincount(graph_of_node[keep], minlength=n_graphs)
    new_gn = np.concatenate([[0], np.cumsum(new_counts)]).astype(np.int64)
    order = np.argsort(new_id, kind="stable")  # members of each merged node, in node order
    starts = np.concatenate([[0], np.cumsum(np.bincount(new_id, minlength=len(keep)))[:-1]])
    feats = np.asarray(table.node_feats, dtype=np.float32)
    new_feats = np.maximum.reduceat(feats[order], starts, axis=0)
    members = np.diff(np.concatenate([starts, [n]]))
    # a merged node's text: its members' texts joined; each distinct member sequence is joined once (vocabulary
    # ids are handed out in node order, as a per-node loop would)
    width = int(members.max()) if len(members) else 1
    seq = np.full((len(keep), width), -1, dtype=np.int64)
    rank = np.arange(n) - np.repeat(starts, members)  # each member's place in its merged node
    seq[np.repeat(np.arange(len(keep)), members), rank] = node_op[order]
    distinct, first, inverse = _unique_rows(seq, len(texts) + 1)
    ids = np.empty(len(distinct), dtype=np.int64)
    for d in np.argsort(first, kind="stable").tolist():
        row = [texts[o] for o in distinct[d].tolist() if o >= 0]
        ids[d] = vocab.setdefault(row[0] if len(row) == 1 else ", ".join(row), len(vocab))
    new_op = ids[inverse.reshape(-1)]
    a, b = new_id[src], new_id[dst]
    cross = a != b
    a, b = a[cross], b[cross]
    key = np.unique(a * n + b) if n else np.zeros(0, dtype=np.int64)  # sorted by (a, b), so per graph: as before
    a, b = key // max(n, 1), key % max(n, 1)
    g = graph_of_node[keep][a]
    new_ge = np.concatenate([[0], np.cumsum(np.bincount(g, minlength=n_graphs))]).astype(np.int64)
    return {"graph_nodes": new_gn, "graph_edges": new_ge, "node_op": new_op, "node_feats": new_feats,
            "edge_src": (a - new_gn[g]).astype(np.int64), "edge_dst": (b - new_gn[g]).astype(np.int64)}


def _unique_rows(rows: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(rows, axis=0, return_index=True, return_inverse=True)`` for rows of small non-negative ints (-1
    padding), through one int64 key per row where it fits (the row-wise unique sorts lexicographically, ~10x slower)."""
    if rows.shape[1] * math.log2(base + 1) > 62:
        distinct, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        return distinct, first, inverse.reshape(-1)
    key = np.zeros(len(rows), dtype=np.int64)
    for j in range(rows.shape[1]):
        key = key * (base + 1) + (rows[:, j] + 1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return rows[first], first, inverse.reshape(-1)


#: structural node features a model can add to the width-free ones (after chain merging): how far a node lies from
#: the block's inputs and from its output (longest paths), and its in- and out-degree (log2(1 + x) each)
STRUCT_FEATURES = ("log2_depth_in", "log2_depth_out", "log2_in_degree", "log2_out_degree")


def struct_features(n: int, edges: Sequence[tuple[int, int]]) -> list[tuple[float, float, float, float]]:
    """The :data:`STRUCT_FEATURES` of every node of a DAG whose nodes are in topological order."""
    pred: list[list[int]] = [[] for _ in range(n)]
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        succ[a].append(b)
        pred[b].append(a)
    depth_in = [0] * n
    for v in range(n):
        if pred[v]:
            depth_in[v] = 1 + max(depth_in[u] for u in pred[v])
    depth_out = [0] * n
    for v in reversed(range(n)):
        if succ[v]:
            depth_out[v] = 1 + max(depth_out[w] for w in succ[v])
    return [(math.log2(1 + depth_in[v]), math.log2(1 + depth_out[v]), math.log2(1 + len(pred[v])),
             math.log2(1 + len(succ[v]))) for v in range(n)]


def block_inputs(ops: tuple[str, ...], edges: tuple[tuple[int, int], ...], feats: tuple[tuple[float, ...], ...],
                 chain: bool, struct: bool) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...], list]:
    """What the model reads of one block graph: its chains merged (``chain``) and the structural features appended
    (``struct``)."""
    if chain:
        ops, edges, feats = collapse_chains(ops, edges, feats)
    if struct:
        feats = tuple(tuple(f) + s for f, s in zip(feats, struct_features(len(ops), edges)))
    return ops, edges, list(feats)


class Featurizer:
    """Skeletons -> :class:`HierBatch`: block graphs interned once (operator ids, features, propagation entries) in a
    bounded table, so a chunk of architectures costs a few dictionary lookups per block."""

    #: distinct block graphs kept between batches: a batch that would pass it starts from an empty table (memory stays
    #: bounded however many distinct architectures come in; experiments/bench_scoring.py measures the peak)
    MAX_GRAPHS = 4_096

    def __init__(self, embedder: Any, chain: bool = False, struct: bool = False) -> None:
        self.embedder = embedder
        self.chain = chain
        self.struct = struct
        self._ids: dict[tuple, int] = {}
        self._graphs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._vocab: dict[str, int] = {}
        self._table = torch.zeros((0, embedder.dim))
        self._by_object: dict[int, tuple[Block, int]] = {}
        self._lock = threading.RLock()


    def _intern(self, block: Block) -> int:
        hit = self._by_object.get(id(block.graph))
        if hit is not None and hit[0].graph is block.graph and hit[0].feats is block.feats:
            return hit[1]
        key = (block.graph.ops, block.graph.edges, block.feats)
        gid = self._ids.get(key)
        if gid is None:  # never cleared here: the ids of a batch must stay valid until the batch is built
            gid = self._ids[key] = len(self._graphs)
            ops, edges, feats = block_inputs(*key, self.chain, self.struct)
            op_ids = np.fromiter((self._vocab.setdefault(o, len(self._vocab)) for o in ops), dtype=np.int64)
            src = np.fromiter((a for a, _ in edges), dtype=np.int64, count=len(edges))
            dst = np.fromiter((b for _, b in edges), dtype=np.int64, count=len(edges))
            self._graphs.append((op_ids, np.asarray(feats, dtype=np.float32).reshape(len(ops), -1), src, dst))
        self._by_object[id(block.graph)] = (block, gid)
        return gid

    def _op_table(self) -> torch.Tensor:
        if self._table.shape[0] < len(self._vocab):
            names = list(self._vocab)[self._table.shape[0]:]
            self._table = torch.cat([self._table, torch.from_numpy(self.embedder.embed(names)).float()])
        return self._table

    def _table_arrays(self, table: Any) -> dict[str, np.ndarray]:
        """A skeleton table's block graphs in this featurizer's terms (operator ids into its vocabulary; chains
        collapsed when the model does): computed once per table."""
        cache = _table_cache(self, table)
        hit = cache.get(id(table))
        if hit is not None and hit[0] is table:
            return hit[1]
        if self.struct:  # every distinct block graph as the model reads it, laid out like the table
            graphs = [block_inputs(g.ops, g.edges, f, self.chain, self.struct)
                      for g, f in (table.graph(k) for k in range(len(table.graph_nodes) - 1))]
        else:
            graphs = None
        with self._lock:
            if graphs is None and self.chain:  # the same merge as collapse_chains, on the whole table at once
                arrays = _collapse_table_chains(table, self._vocab)
            elif graphs is None:
                vocab = np.array([self._vocab.setdefault(o, len(self._vocab)) for o in table.ops], dtype=np.int64)
                arrays = {"graph_nodes": table.graph_nodes, "graph_edges": table.graph_edges,
                          "node_op": vocab[table.node_op], "node_feats": table.node_feats.astype(np.float32),
                          "edge_src": table.edge_src, "edge_dst": table.edge_dst}
            else:
                ops = [self._vocab.setdefault(o, len(self._vocab)) for g in graphs for o in g[0]]
                arrays = {"graph_nodes": np.concatenate([[0], np.cumsum([len(g[0]) for g in graphs])]).astype(np.int64),
                          "graph_edges": np.concatenate([[0], np.cumsum([len(g[1]) for g in graphs])]).astype(np.int64),
                          "node_op": np.array(ops, dtype=np.int64),
                          "node_feats": np.array([f for g in graphs for f in g[2]], dtype=np.float32),
                          "edge_src": np.array([a for g in graphs for a, _ in g[1]], dtype=np.int64),
                          "edge_dst": np.array([b for g in graphs for _, b in g[1]], dtype=np.int64)}
            cache[id(table)] = (table, arrays)
        return arrays

    def table_graphs(self, table: Any, graphs: np.ndarray) -> tuple[torch.Tensor, ...]:
        """Operator-text table, node operator ids and features, propagation matrix and graph of each node for block
        graphs ``graphs`` of a packaged skeleton table (the same inputs :meth:`batch` builds from block objects;
        tested)."""
        arrays = self._table_arrays(table)
        nlo = arrays["graph_nodes"][graphs]
        ncount = arrays["graph_nodes"][graphs + 1] - nlo
        nodes = concat_ranges(nlo, ncount)
        elo = arrays["graph_edges"][graphs]
        ecount = arrays["graph_edges"][graphs + 1] - elo
        eidx = concat_ranges(elo, ecount)
        shift = np.repeat(np.cumsum(ncount) - ncount, ecount)
        with self._lock:
            table_ops = self._op_table()
        adj = _propagation(arrays["edge_src"][eidx] + shift, arrays["edge_dst"][eidx] + shift, int(ncount.sum()))
        return (table_ops, torch.from_numpy(arrays["node_op"][nodes]), torch.from_numpy(arrays["node_feats"][nodes]),
                adj, torch.from_numpy(np.repeat(np.arange(len(graphs)), ncount)))

    def batch(self, skeletons: Sequence[Skeleton], size_terms: Sequence[str]) -> HierBatch:
        """The batch of connected skeletons (callers drop disconnected ones first)."""
        with self._lock:
            if len(self._graphs) + sum(len(s.blocks) for s in skeletons) > self.MAX_GRAPHS:
                self._ids.clear()  # before the batch interns anything, never in the middle of it
                self._graphs.clear()
                self._by_object.clear()
            gids_per_arch = [[self._intern(b) for b in s.blocks] for s in skeletons]
            table = self._op_table()
            graphs = sorted({g for gs in gids_per_arch for g in gs})
            local = {g: k for k, g in enumerate(graphs)}
            parts = [self._graphs[g] for g in graphs]
        sizes = np.fromiter((len(p[0]) for p in parts), dtype=np.int64, count=len(parts))
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        ops = np.concatenate([p[0] for p in parts])
        feats = np.concatenate([p[1] for p in parts])
        src = np.concatenate([p[2] + o for p, o in zip(parts, offsets)])
        dst = np.concatenate([p[3] + o for p, o in zip(parts, offsets)])
        n = int(sizes.sum())
        adj = _propagation(src, dst, n)
        seg = torch.from_numpy(np.repeat(np.arange(len(parts)), sizes))
        pairs: dict[tuple[int, float], int] = {}
        pair_of, arch_of, block_flops = [], [], []
        for a, (s, gs) in enumerate(zip(skeletons, gids_per_arch)):
            for b, g in zip(s.blocks, gs):
                pair_of.append(pairs.setdefault((local[g], b.level), len(pairs)))
                arch_of.append(a)
                block_flops.append(_log10(b.flops))
        keys = list(pairs)
        size = np.array([[_log10(s.cost.flops if t == "flops" else s.cost.params) for t in size_terms]
                         for s in skeletons], dtype=np.float32).reshape(len(skeletons), len(size_terms))
        return HierBatch(table, torch.from_numpy(ops), torch.from_numpy(feats), adj, seg, len(parts),
                         torch.tensor([k[0] for k in keys], dtype=torch.int64),
                         torch.tensor([k[1] for k in keys], dtype=torch.float32),
                         torch.tensor(pair_of, dtype=torch.int64), torch.tensor(arch_of, dtype=torch.int64),
                         len(skeletons), torch.from_numpy(size), torch.tensor(block_flops, dtype=torch.float32))


def _table_cache(owner: Any, table: Any) -> dict:
    """Where ``owner`` keeps what it computed from a skeleton table: for good for a packaged table; for a transient
    one (a chunk of DARTS genotypes laid out at once) only until the next transient table comes."""
    if not getattr(table, "transient", False):
        return owner.__dict__.setdefault("_tables", {})
    cache = owner.__dict__.setdefault("_transient", {})
    hit = cache.get(id(table))
    if hit is None or hit[0] is not table:
        cache.clear()
    return cache


def _log10(v: float) -> float:
    return math.log10(max(float(v), 1.0))


def _propagation(src: np.ndarray, dst: np.ndarray, n: int) -> torch.Tensor:
    """The GCN's propagation matrix of ``n`` nodes (:func:`~tgnas_naslib.model.propagate.propagation`: undirected
    edges plus self-loops, symmetric-normalised, CSR); block graphs are DAGs."""
    return propagation(np.stack([src, dst]), n, undirected=True, dag=True)


#: skeletons scored per forward pass (their distinct blocks are embedded once per pass)
PIECE = 4096


class HierEngine:
    """A trained ensemble of hierarchical models ready to score skeletons (the mean of its members' scores)."""

    def __init__(self, states: Sequence[dict], config: Any, embedder: Any, device: str | torch.device = "cpu"
                 ) -> None:
        self.config = config
        self.size_terms = config.size_terms.split(",")
        self.featurizer = Featurizer(embedder, chain=config.chain, struct=config.struct)
        self.device = torch.device(device)
        self.members = []
        for state in states:
            model = config.build_model(embedder.dim)
            model.load_state_dict(state)  # raises on a weight of the wrong shape (the checkpoint check)
            self.members.append(model.to(self.device).eval())

    @torch.no_grad()
    def score(self, skeletons: Sequence[Skeleton]) -> np.ndarray:
        """Mean score of the ensemble for each (connected) skeleton, float64. Skeletons read from a packaged table are
        scored from its arrays: every (block graph, level) of the table gets its structure contribution once per
        member, on first use, and an architecture's score is the sum of its blocks' (so it never depends on which
        other architectures share the call); other skeletons go through the model piece by piece."""
        out = np.empty(len(skeletons), dtype=np.float64)
        tables: dict[int, tuple[Any, list[int]]] = {}
        loose: list[int] = []
        for i, s in enumerate(skeletons):
            src = s.source
            if src is None:
                loose.append(i)
            else:
                tables.setdefault(id(src[0]), (src[0], []))[1].append(i)
        for table, idx in tables.values():
            rows = np.fromiter((skeletons[i].source[1] for i in idx), dtype=np.int64, count=len(idx))
            out[idx] = self._score_rows(table, rows)
        for start in range(0, len(loose), PIECE):
            part = loose[start:start + PIECE]
            out[part] = self._forward(self.featurizer.batch([skeletons[i] for i in part], self.size_terms))
        return out

    def _table_phi(self, table: Any) -> tuple[np.ndarray, np.ndarray]:
        """Per table entry its (block graph, level) pair, and per member the two contributions of every pair
        [members, 2, pairs] (structure, weight of the block's log10 FLOPs; computed once per table)."""
        cache = _table_cache(self, table)
        hit = cache.get(id(table))
        if hit is not None and hit[0] is table:
            return hit[1], hit[2]
        levels, level_of = np.unique(table.entry_level, return_inverse=True)
        keys, pair_of = np.unique(table.entry_graph * len(levels) + level_of.reshape(-1), return_inverse=True)
        pair_graph, pair_level = keys // len(levels), levels[keys % len(levels)]
        graphs, graph_local = np.unique(pair_graph, return_inverse=True)
        phi = np.empty((len(self.members), 2, len(keys)), dtype=np.float64)
        embs: list[list[torch.Tensor]] = [[] for _ in self.members]
        for start in range(0, len(graphs), PIECE):
            part = graphs[start:start + PIECE]
            inputs = [t.to(self.device) for t in self.featurizer.table_graphs(table, part)]
            for m, model in enumerate(self.members):
                embs[m].append(model.embed(*inputs, len(part)))
        level_t = torch.from_numpy(pair_level.astype(np.float32)).to(self.device)
        index = torch.from_numpy(graph_local.reshape(-1)).to(self.device)
        for m, model in enumerate(self.members):
            emb = torch.cat(embs[m])
            structure, weight = model.phi(emb[index], level_t)
            phi[m, 0], phi[m, 1] = structure.double().cpu().numpy(), weight.double().cpu().numpy()
        cache[id(table)] = (table, pair_of.reshape(-1), phi)
        return pair_of.reshape(-1), phi

    def _score_rows(self, table: Any, rows: np.ndarray) -> np.ndarray:
        pair_of, phi = self._table_phi(table)
        lo = table.arch_blocks[rows]
        counts = table.arch_blocks[rows + 1] - lo
        entries = concat_ranges(lo, counts)
        starts = np.cumsum(counts) - counts
        size = np.stack([np.log10(np.maximum(table.arch_cost[rows, 0 if t == "flops" else 1], 1.0))
                         for t in self.size_terms], 1)
        pairs = pair_of[entries]
        block_flops = np.log10(np.maximum(table.entry_flops[entries], 1.0)).astype(np.float32).astype(np.float64)
        total = np.zeros(len(rows), dtype=np.float64)
        for m, model in enumerate(self.members):  # the ensemble mean, added in member order
            per_block = phi[m, 0][pairs] + phi[m, 1][pairs] * block_flops
            structure = np.add.reduceat(per_block, starts) if len(entries) else np.zeros(len(rows))
            total += structure + size @ model.size_weights().detach().double().cpu().numpy()
        return total / len(self.members)

    def _forward(self, batch: HierBatch) -> np.ndarray:
        batch = _to(batch, self.device)
        total = torch.zeros(batch.n_archs, dtype=torch.float64, device=self.device)
        for model in self.members:  # the ensemble mean, added in member order
            total += model(batch).double()
        return (total / len(self.members)).cpu().numpy()


def _to(batch: HierBatch, device: torch.device) -> HierBatch:
    if device.type == "cpu":
        return batch
    return HierBatch(*(v.to(device) if isinstance(v, torch.Tensor) else v for v in batch))


def train_hier(skeletons: Sequence[Skeleton], y: Sequence[float], config: Any, model: HierModel | None = None,
               tasks: Sequence[str] | None = None, per_task: dict[str, int] | None = None,
               progress: bool = False) -> HierModel:
    """Train (or fine-tune ``model``) on connected skeletons with labels ``y``: pairwise ranking loss, every
    mini-batch drawn from one task (labels z-scored per task), ``per_task`` samples of each task per epoch (all when
    not given), AdamW with a cosine schedule; deterministic for ``config.seed``."""
    from ..seeding import seed_everything
    from ..threads import torch_threads

    with torch_threads(1):
        seed_everything(config.seed)
        embedder = config.embedder()
        model = model if model is not None else config.build_model(embedder.dim)
        featurizer = Featurizer(embedder, chain=config.chain, struct=config.struct)
        size_terms = config.size_terms.split(",")
        y = np.asarray(y, dtype=np.float64)
        task_of = np.asarray([str(t) for t in tasks]) if tasks is not None else np.zeros(len(y), dtype="<U1")
        if len(task_of) != len(skeletons) or len(y) != len(skeletons):
            raise ValueError(f"got {len(skeletons)} skeletons, {len(y)} labels and {len(task_of)} task names")
        target = np.empty_like(y)
        for t in set(task_of.tolist()):
            m = task_of == t
            target[m] = (y[m] - y[m].mean()) / (y[m].std() or 1.0)
        by_task = {t: np.flatnonzero(task_of == t) for t in sorted(set(task_of.tolist()))}
        rng = np.random.default_rng(config.seed)
        opt = adamw(model, config)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, config.epochs))
        epochs = range(config.epochs)
        if progress:
            from tqdm import tqdm

            epochs = tqdm(epochs, desc="training", unit="epoch")
        model.train()
        for _ in epochs:
            batches = []
            for t, idx in by_task.items():
                take = rng.permutation(idx)[:(per_task or {}).get(t, len(idx))]
                batches += [take[s:s + config.batch_size] for s in range(0, len(take), config.batch_size)]
            for k in rng.permutation(len(batches)):
                take = batches[k]
                if len(take) < 2:
                    continue
                pred = model(featurizer.batch([skeletons[i] for i in take], size_terms))
                loss = pairwise_rank_loss(pred, torch.tensor(target[take], dtype=torch.float32))
                if config.structure_penalty:  # the structure term pays for its spread (cost as a prior)
                    st = model.last_structure
                    loss = loss + config.structure_penalty * ((st - st.mean()) ** 2).mean()
                descend(opt, loss)
            sched.step()
        model.eval()
    return model
