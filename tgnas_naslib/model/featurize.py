"""ArchGraphs -> one torch-geometric ``Batch`` (node features = operator embeddings), built in one pass."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch

from ..embedding import OperatorEmbedder
from ..graph import ArchGraph, ArchitectureError
from ..network import parts
from ..shapes import NETWORK, RAW, feature_columns, network_features

if TYPE_CHECKING:
    from torch_geometric.data import Batch


class ShapeContextError(ArchitectureError):
    """A model that reads shape features got a graph without shape context."""


def _check(g: ArchGraph) -> None:
    if not g.has_shapes:
        raise ShapeContextError(
            f"this TG-NAS model reads shape features (channels, size, FLOPs, params), but a {g.space!r} graph came "
            "without them: build graphs with a space adapter (tgnas_naslib.to_graph) or "
            "tgnas_naslib.modules.module_graph, or use a model trained without shape features (nb101-text)")


def shape_matrix(graphs: Sequence[ArchGraph], names: Sequence[str]) -> np.ndarray:
    """The raw numeric node features ``names`` (log scale; see shapes) of every node, stacked: [nodes, len(names)]."""
    raw: list[tuple[float, ...]] = []
    net: list[tuple[float, float, float]] = []
    for g in graphs:
        _check(g)
        raw += [s.raw for s in g.shapes]  # type: ignore[union-attr]
        net += [(g.cost.flops, g.cost.params, g.shapes[0].h_in)] * g.num_nodes  # type: ignore[union-attr,index]
    return feature_columns(np.asarray(raw, dtype=np.float64).reshape(-1, len(RAW)),
                           np.asarray(net, dtype=np.float64).reshape(-1, 3), names)


_WEIGHTED_OPS: dict[str, bool] = {}


def _is_weighted(op: str) -> bool:
    hit = _WEIGHTED_OPS.get(op)
    if hit is None:
        hit = _WEIGHTED_OPS[op] = "convolution" in op or parts.LINEAR in op
    return hit


def weighted_depth(g: ArchGraph) -> float:
    """Convolution / linear layers on the network's longest input->output path, each counted ``instances`` times."""
    if not g.num_nodes:
        return 0.0
    shapes = g.shapes
    depth = [float(shapes[v].instances) if shapes is not None and _is_weighted(op) else 0.0
             for v, op in enumerate(g.ops)]
    weight = depth[:]
    # nodes are numbered topologically and edges sorted by source, so a node's depth is final before its out-edges
    for a, b in g.edges:
        through = depth[a] + weight[b]
        if through > depth[b]:
            depth[b] = through
    return depth[-1]


def graph_matrix(graphs: Sequence[ArchGraph], names: Sequence[str]) -> np.ndarray:
    """The raw graph-level features ``names`` (the network's size and depth, log scale): [graphs, len(names)]."""
    rows = []
    depth = "log2_depth" in names
    for g in graphs:
        _check(g)
        values = dict(zip(NETWORK, network_features(g.cost)))  # type: ignore[arg-type]
        if depth:
            values["log2_depth"] = float(np.log2(max(weighted_depth(g), 1.0)))
        rows.append(tuple(values[n] for n in names))
    return np.asarray(rows, dtype=np.float32).reshape(-1, len(names))


def node_weights(graphs: Sequence[ArchGraph]) -> np.ndarray:
    """Every node's ``instances`` (how many copies of it the network holds; 1 without shape context), float32."""
    return np.asarray([s.instances for g in graphs for s in (g.shapes or [None] * g.num_nodes)
                       if s is not None] if all(g.shapes for g in graphs)
                      else [1.0] * sum(g.num_nodes for g in graphs), dtype=np.float32)


def collate(graphs: Sequence[ArchGraph], embedder: OperatorEmbedder, device: str | torch.device = "cpu",
            node_features: Sequence[str] = (), graph_features: Sequence[str] = ()) -> "Batch":
    """Stack many small graphs into one disjoint-union Batch (x, edge_index, batch, ptr, gfeat) for the GCN.

    Node features are the operator embedding, followed by the raw numeric ``node_features`` when the model reads
    them; ``gfeat`` holds the raw ``graph_features`` per graph. Equivalent to ``Batch.from_data_list`` of per-graph
    ``Data`` objects, but vectorised: scoring the 15,625 NB201 cells builds one index array instead of 15,625 objects.
    """
    from torch_geometric.data import Batch

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
    if node_features:
        x = torch.cat([x, torch.from_numpy(shape_matrix(graphs, node_features))], 1)
    edge_index = torch.as_tensor([src, dst], dtype=torch.long).reshape(2, -1)
    sizes_t = torch.from_numpy(sizes)
    batch = torch.repeat_interleave(torch.arange(len(graphs)), sizes_t)
    ptr = torch.cat([torch.zeros(1, dtype=torch.long), sizes_t.cumsum(0)])
    gfeat = (torch.from_numpy(graph_matrix(graphs, graph_features)) if graph_features
             else torch.zeros((len(graphs), 0)))
    out = Batch(x=x, edge_index=edge_index, batch=batch, ptr=ptr, gfeat=gfeat, w=torch.from_numpy(node_weights(graphs)))
    out._num_graphs = len(graphs)
    return out.to(device)
