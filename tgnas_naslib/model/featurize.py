"""ArchGraphs -> one torch-geometric ``Batch`` (node features = operator embeddings), built in one pass."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch_geometric.data import Batch

from ..embedding import OperatorEmbedder
from ..graph import ArchGraph


def collate(graphs: Sequence[ArchGraph], embedder: OperatorEmbedder, device: str | torch.device = "cpu") -> Batch:
    """Stack many small graphs into one disjoint-union Batch (x, edge_index, batch, ptr) for the GCN.

    Equivalent to ``Batch.from_data_list`` of per-graph ``Data`` objects, but vectorised: scoring the 15,625
    NB201 cells builds one index array instead of 15,625 objects.
    """
    vocab: dict[str, int] = {}
    op_ids: list[int] = []
    src: list[int] = []
    dst: list[int] = []
    sizes = np.empty(len(graphs), dtype=np.int64)
    offset = 0
    for k, g in enumerate(graphs):
        for op in g.ops:
            op_ids.append(vocab.setdefault(op, len(vocab)))
        for a, b in g.edges:
            src.append(a + offset)
            dst.append(b + offset)
        sizes[k] = g.num_nodes
        offset += g.num_nodes
    table = torch.from_numpy(embedder.embed(list(vocab)))
    x = table[torch.as_tensor(op_ids, dtype=torch.long)]
    edge_index = torch.as_tensor([src, dst], dtype=torch.long).reshape(2, -1)
    sizes_t = torch.from_numpy(sizes)
    batch = torch.repeat_interleave(torch.arange(len(graphs)), sizes_t)
    ptr = torch.cat([torch.zeros(1, dtype=torch.long), sizes_t.cumsum(0)])
    out = Batch(x=x, edge_index=edge_index, batch=batch, ptr=ptr)
    out._num_graphs = len(graphs)
    return out.to(device)
