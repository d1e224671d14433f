"""Where the GCN lives: 3 graph-convolution layers (64 units, normalisation, ReLU), graph readout, linear head."""

from __future__ import annotations

import warnings

import torch
from torch import nn

from ..extras import require

require("torch_geometric", "the torch-geometric GCN (training, fine-tuning)")
from torch_geometric.nn import BatchNorm, GCNConv, GraphNorm, global_add_pool, global_mean_pool  # noqa: E402
from torch_geometric.nn.conv.gcn_conv import gcn_norm  # noqa: E402
from torch_geometric.utils import to_undirected  # noqa: E402


def propagation_graph(edge_index: torch.Tensor, num_nodes: int, undirected: bool) -> torch.Tensor:
    """The GCN's normalised propagation matrix as a sparse CSR ``adj_t`` (row = target node).

    Symmetrised if undirected, with self-loops and D^-1/2 A D^-1/2 weights; computed once per batch and shared by
    every layer and every ensemble member (sparse matmul is ~3x faster than per-layer scatter on CPU).
    """
    if undirected and edge_index.numel():
        edge_index = to_undirected(edge_index, num_nodes=num_nodes)
    index, weight = gcn_norm(edge_index, None, num_nodes, add_self_loops=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta"
        adj_t = torch.sparse_coo_tensor(torch.stack([index[1], index[0]]), weight, (num_nodes, num_nodes))
        return adj_t.coalesce().to_sparse_csr()


#: graph readouts the GCN and the scoring engine implement
READOUTS = ("mean", "sum", "mean+sum", "mean+isum")


class TGNASGCN(nn.Module):
    """Predicts a (standardised) accuracy from an operator-embedding graph.

    ``undirected``: messages flow both ways along each edge (measured better for transfer than data-flow
    direction only). ``readout``: ``mean``, ``sum``, ``mean+sum`` (concatenated) or ``mean+isum`` (the sum weighted by
    each node's ``instances``: a block the network repeats k times counts k times, as in the unrolled network).
    """

    def __init__(self, in_dim: int, hidden: int = 64, layers: int = 3, norm: str = "batch",
                 readout: str = "mean", dropout: float = 0.1, undirected: bool = True, shape_dim: int = 0,
                 size_dim: int = 0) -> None:
        super().__init__()
        if readout not in READOUTS:
            raise ValueError(f"unknown readout {readout!r}")
        if norm not in ("batch", "graph", "none"):
            raise ValueError(f"unknown norm {norm!r}")
        self.hparams = dict(in_dim=in_dim, hidden=hidden, layers=layers, norm=norm, readout=readout,
                            dropout=dropout, undirected=undirected, shape_dim=shape_dim, size_dim=size_dim)
        # the last shape_dim input columns are raw numeric shape features, standardised with the training set's
        # statistics (set by set_shape_stats, saved with the weights)
        self.register_buffer("shape_mean", torch.zeros(shape_dim))
        self.register_buffer("shape_std", torch.ones(shape_dim))
        # size_dim graph features (the network's log FLOPs / params) enter through a linear term added to the output:
        # linear in log cost, so a space whose networks are all k times bigger shifts every score by a constant and
        # rankings inside it are untouched (the GCN's non-linear part sees only text and scale-free features)
        self.register_buffer("size_mean", torch.zeros(size_dim))
        self.register_buffer("size_std", torch.ones(size_dim))
        self.size_head = nn.Linear(size_dim, 1, bias=False) if size_dim else None
        if self.size_head is not None:
            nn.init.zeros_(self.size_head.weight)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        dim = in_dim + shape_dim
        for _ in range(layers):
            self.convs.append(GCNConv(dim, hidden, normalize=False))  # see propagation_graph
            self.norms.append(BatchNorm(hidden) if norm == "batch" else GraphNorm(hidden) if norm == "graph"
                              else nn.Identity())
            dim = hidden
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden * (2 if readout.startswith("mean+") else 1), 1)

    @staticmethod
    def _stats(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        std = features.std(0)
        return features.mean(0), torch.where(std < 1e-6, torch.full_like(std, float("inf")), std)

    def set_size_stats(self, features: torch.Tensor) -> None:
        """Standardise the graph features with these (training-set) values, [graphs, size_dim]."""
        mean, std = self._stats(features)
        self.size_mean.copy_(mean)
        self.size_std.copy_(std)

    def set_shape_stats(self, features: torch.Tensor) -> None:
        """Standardise shape features with the mean / std of these (training-set) node features, [nodes, shape_dim].

        A feature that is constant in training (e.g. stride and cell count in NB101, whose cells never downsample)
        is switched off (std = inf, so it reads 0 everywhere): the model never saw it vary, so any weight on it is
        untrained noise, which would be amplified without bound on a space where it does vary."""
        mean, std = self._stats(features)
        self.shape_mean.copy_(mean)
        self.shape_std.copy_(std)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor, num_graphs: int,
                propagation: torch.Tensor | None = None, gfeat: torch.Tensor | None = None,
                weight: torch.Tensor | None = None) -> torch.Tensor:
        """Return one prediction per graph, shape [num_graphs] (``propagation``: precomputed propagation_graph;
        ``gfeat``: the graph features when the model has a size term; ``weight``: node instances for ``mean+isum``)."""
        if propagation is None:
            propagation = propagation_graph(edge_index, x.size(0), self.hparams["undirected"])
        k = self.hparams["shape_dim"]
        h = torch.cat([x[:, :-k], (x[:, -k:] - self.shape_mean) / self.shape_std], 1) if k else x
        for conv, norm in zip(self.convs, self.norms):
            h = conv(h, propagation)
            h = norm(h, batch) if isinstance(norm, GraphNorm) else norm(h)
            h = self.dropout(torch.relu(h))
        readout = self.hparams["readout"]
        if readout == "mean":
            g = global_mean_pool(h, batch, size=num_graphs)
        elif readout == "sum":
            g = global_add_pool(h, batch, size=num_graphs)
        elif readout == "mean+sum":
            g = torch.cat([global_mean_pool(h, batch, size=num_graphs), global_add_pool(h, batch, size=num_graphs)], 1)
        else:
            if weight is None:
                raise ValueError("readout mean+isum weights nodes by their instances: pass weight (collate builds it)")
            g = torch.cat([global_mean_pool(h, batch, size=num_graphs),
                           global_add_pool(h * weight[:, None], batch, size=num_graphs)], 1)
        out = self.head(g).squeeze(-1)
        if self.size_head is not None:
            if gfeat is None:
                raise ValueError("this GCN adds a network-size term: pass gfeat (collate builds it)")
            out = out + self.size_head((gfeat - self.size_mean) / self.size_std).squeeze(-1)
        return out
