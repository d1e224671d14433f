"""The GCN propagation matrix (undirected edges, self-loops, D^-1/2 A D^-1/2) as CSR: shared by the cell/network
scoring engine (:mod:`.infer`) and the hierarchical model (:mod:`.hier`)."""

from __future__ import annotations

import warnings

import numpy as np
import torch


def propagation_arrays(edges: np.ndarray, num_nodes: int, undirected: bool, dag: bool = False
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`propagation` as numpy arrays: row pointers, column indices, float32 weights."""
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
    return crow, src, weight


def to_csr(crow: np.ndarray, col: np.ndarray, weight: np.ndarray, shape: tuple[int, int]) -> torch.Tensor:
    """A CSR tensor of ``shape`` from row pointers, column indices and weights."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta" / invariant checks off
        return torch.sparse_csr_tensor(torch.from_numpy(crow), torch.from_numpy(col), torch.from_numpy(weight), shape)


def propagation(edges: np.ndarray, num_nodes: int, undirected: bool, dag: bool = False) -> torch.Tensor:
    """The GCN propagation matrix as CSR (row = target node): symmetrised if undirected, self-loops, D^-1/2 A D^-1/2.

    ``edges`` is [2, E] (source, target) without duplicates; equal to torch-geometric's ``gcn_norm`` (tested).
    ``dag=True``: the edges are acyclic (ArchGraph edges always are), so no pair comes both ways and the
    symmetrised edges need no de-duplication.
    """
    return to_csr(*propagation_arrays(edges, num_nodes, undirected, dag), (num_nodes, num_nodes))
