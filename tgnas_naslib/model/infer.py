"""Where scoring runs: the trained GCN ensemble as plain torch tensors, no torch-geometric.

The same arithmetic as :class:`~tgnas_naslib.model.gcn.TGNASGCN` in eval mode (a test holds the two equal), laid
out for throughput and repeatability:

* layer 1 is a per-operator table: ``embedding(op) @ W1`` is computed once per operator name and looked up per node,
  instead of multiplying a 384-wide node matrix; the shape features add their own small product;
* the ensemble runs as one batch: its members' hidden states sit side by side, so one sparse product propagates all;
* every quantity of a graph depends only on that graph (row-wise products, per-graph propagation rows in a fixed
  order, per-graph sums added node by node with ``index_add_``), so a score does not depend on which other graphs share its chunk
  or on the thread count: scores are bit-identical however the input is cut (tested).
"""

from __future__ import annotations

import warnings
from itertools import chain
from typing import Sequence

import numpy as np
import torch

from ..embedding import OperatorEmbedder
from ..graph import ArchGraph
from .config import TrainConfig
from .featurize import graph_matrix, node_weights, shape_matrix


#: products run on at least this many node rows (zero rows pad small inputs): BLAS takes another code path for
#: very small matrices, which changed a lone graph's score in the last bit (seen with no padding; 8 rows already
#: match, tested on single graphs of every space; 32 keeps a margin at a fraction of the cost of 256)
MIN_ROWS = 32


class EngineUnsupported(ValueError):
    """The checkpoint's architecture needs the torch-geometric path (e.g. GraphNorm)."""


def propagation(edges: np.ndarray, num_nodes: int, undirected: bool, dag: bool = False) -> torch.Tensor:
    """The GCN propagation matrix as CSR (row = target node): symmetrised if undirected, self-loops, D^-1/2 A D^-1/2.

    ``edges`` is [2, E] (source, target) without duplicates; equal to torch-geometric's ``gcn_norm`` (tested).
    ``dag=True``: the edges are acyclic (ArchGraph edges always are), so no pair comes both ways and the
    symmetrised edges need no de-duplication.
    """
    src, dst = (edges[0], edges[1]) if edges.size else (np.empty(0, np.int64), np.empty(0, np.int64))
    if undirected and src.size:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        if not dag:
            key = np.unique(src * num_nodes + dst)  # drop duplicates (a pair given both ways)
            src, dst = key // num_nodes, key % num_nodes
    loops = np.arange(num_nodes, dtype=np.int64)
    src, dst = np.concatenate([src, loops]), np.concatenate([dst, loops])
    deg = np.bincount(dst, minlength=num_nodes).astype(np.float32)
    inv = deg ** np.float32(-0.5)
    weight = inv[src] * inv[dst]
    order = np.lexsort((src, dst))  # rows = targets, columns ascending
    dst, src, weight = dst[order], src[order], weight[order]
    crow = np.zeros(num_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=num_nodes), out=crow[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta" / invariant checks off
        return torch.sparse_csr_tensor(torch.from_numpy(crow), torch.from_numpy(src), torch.from_numpy(weight),
                                       (num_nodes, num_nodes))


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
        """Mean prediction of the ensemble for each (connected) graph, float64 [len(graphs)]."""
        if not graphs:
            return np.empty(0)
        if self.config.flops_fusion and any(g.cost is None for g in graphs):
            from .featurize import ShapeContextError

            raise ShapeContextError("this TG-NAS variant adds log10(network FLOPs) to its score, but a graph came "
                                    "without shape context (build it with a space adapter or module_graph)")
        vocab: dict[str, int] = {}
        op_ids = [vocab.setdefault(op, len(vocab)) for g in graphs for op in g.ops]
        sizes = np.fromiter((g.num_nodes for g in graphs), dtype=np.int64, count=len(graphs))
        n_edges = np.fromiter((len(g.edges) for g in graphs), dtype=np.int64, count=len(graphs))
        flat = np.fromiter(chain.from_iterable(chain.from_iterable(g.edges for g in graphs)), dtype=np.int64,
                           count=2 * int(n_edges.sum())).reshape(-1, 2)
        starts = np.cumsum(sizes) - sizes  # each graph's first node
        edges = (flat + np.repeat(starts, n_edges)[:, None]).T  # [2, E] (source, target), batch numbering
        offset = int(sizes.sum())
        n = max(offset, MIN_ROWS)  # padding nodes: no op, no edges, self-loop only, outside every graph
        m, h = self.members, self.hidden
        op_ids += [0] * (n - offset)
        table = self._rows(list(vocab))  # [M, V, H]
        x = table[:, torch.as_tensor(op_ids, dtype=torch.long, device=self.device), :]  # [M, N, H]
        if self.config.node_features:
            feats = torch.from_numpy(shape_matrix(graphs, self.config.node_features)).to(self.device)  # [N, S]
            feats = torch.cat([feats, feats.new_zeros((n - offset, feats.shape[1]))])
            x = x + torch.matmul(feats, self.w1_shape) + self.b1_shape[:, None, :]
        adj = propagation(np.ascontiguousarray(edges), n, self.config.undirected, dag=True)
        adj = adj.to(self.device)
        hid = x  # [M, N, H]: each member's nodes contiguous, so no layer copies between layouts
        prop = torch.empty_like(hid)
        for w, (scale, shift) in self.layers:
            if w is not None:
                hid = torch.bmm(hid, w)
            for k in range(m):
                torch.mm(adj, hid[k], out=prop[k])
            hid, prop = prop.mul_(scale).add_(shift).relu_(), hid
        lengths = torch.from_numpy(sizes).to(self.device)
        # per-graph sums: index_add_ adds a graph's node rows one after another in node order, whatever else is in
        # the chunk (the same sums as segment_reduce, 4x faster here)
        graph_of = torch.repeat_interleave(torch.arange(len(graphs), device=self.device), lengths)
        summed = hid.new_zeros((m, len(graphs), h)).index_add_(1, graph_of, hid[:, :offset])  # [M, G, H]
        if self.readout == "mean":
            pooled = summed / lengths[None, :, None]
        elif self.readout == "sum":
            pooled = summed
        elif self.readout == "mean+sum":  # per member [mean | sum]
            pooled = torch.cat([summed / lengths[None, :, None], summed], 2)
        else:  # mean+isum: [mean | sum weighted by each node's instances]
            w = torch.from_numpy(node_weights(graphs)).to(self.device)
            weighted = hid.new_zeros((m, len(graphs), h)).index_add_(1, graph_of, hid[:, :offset] * w[None, :, None])
            pooled = torch.cat([summed / lengths[None, :, None], weighted], 2)
        # products, not reductions: a sum over a dimension may be vectorised differently for another number of
        # graphs, a matrix product's row never is (tested), so a graph's score cannot depend on its chunk
        out = torch.bmm(pooled.contiguous(), self.head_w[:, :, None])[:, :, 0] + self.head_b[:, None]  # [M, G]
        if self.graph_features:
            gf = torch.from_numpy(graph_matrix(graphs, self.graph_features)).to(self.device)  # [G, F]
            z = (gf[None] - self.size_mean[:, None, :]) / self.size_std[:, None, :]  # inf std: a constant feature, 0
            out = out + torch.bmm(z.contiguous(), self.size_w[:, :, None])[:, :, 0]
        total = out[0].clone()
        for k in range(1, m):  # the ensemble mean, added in member order
            total += out[k]
        out = total / m
        scores = out.double().cpu().numpy()
        if self.config.flops_fusion:
            scores = scores + self.config.flops_fusion * np.log10([g.cost.flops for g in graphs])  # type: ignore[union-attr]
        return scores

