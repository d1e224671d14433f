"""ArchGraphs -> one torch-geometric ``Batch`` (node features = operator embeddings), built in one pass."""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch

from ..embedding import OperatorEmbedder
from ..graph import ArchGraph, ArchitectureError
from ..network import parts
from ..shapes import NETWORK, RAW, Cost, feature_columns, network_features

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
    for g in graphs:
        _check(g)
    sizes = np.fromiter((g.num_nodes for g in graphs), dtype=np.int64, count=len(graphs))
    n = int(sizes.sum())
    raw = np.fromiter(chain.from_iterable(s.raw for g in graphs for s in g.shapes),  # type: ignore[union-attr]
                      dtype=np.float64, count=n * len(RAW)).reshape(n, len(RAW))
    net = np.fromiter(chain.from_iterable((g.cost.flops, g.cost.params, g.shapes[0].h_in)  # type: ignore[union-attr,index]
                                          for g in graphs), dtype=np.float64, count=3 * len(graphs)).reshape(-1, 3)
    return feature_columns(raw, np.repeat(net, sizes, 0), names)


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


def _graph_row(flops: float, params: float, depth: float, names: Sequence[str]) -> tuple[float, ...]:
    values = dict(zip(NETWORK, network_features(Cost(flops, params))))
    if "log2_depth" in names:
        values["log2_depth"] = float(np.log2(max(depth, 1.0)))
    return tuple(values[n] for n in names)


def graph_rows(costs: np.ndarray, depths: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """:func:`graph_matrix` from arrays: network (flops, params) [graphs, 2] and weighted depths [graphs], float32
    [graphs, len(names)] (the same scalar arithmetic, once per distinct row)."""
    memo: dict[tuple[float, float, float], tuple[float, ...]] = {}
    rows = []
    for key in zip(costs[:, 0].tolist(), costs[:, 1].tolist(), depths.tolist()):
        row = memo.get(key)
        if row is None:
            row = memo[key] = _graph_row(*key, names)
        rows.append(row)
    return np.asarray(rows, dtype=np.float32).reshape(-1, len(names))


def graph_matrix(graphs: Sequence[ArchGraph], names: Sequence[str]) -> np.ndarray:
    """The raw graph-level features ``names`` (the network's size and depth, log scale): [graphs, len(names)]."""
    for g in graphs:
        _check(g)
    costs = np.array([(g.cost.flops, g.cost.params) for g in graphs], dtype=np.float64).reshape(-1, 2)  # type: ignore[union-attr]
    depth = "log2_depth" in names
    depths = np.array([weighted_depth(g) if depth else 0.0 for g in graphs], dtype=np.float64)
    return graph_rows(costs, depths, names)


def node_weights(graphs: Sequence[ArchGraph]) -> np.ndarray:
    """Every node's ``instances`` (how many copies of it the network holds; 1 without shape context), float32."""
    n = sum(g.num_nodes for g in graphs)
    if not all(g.shapes for g in graphs):
        return np.ones(n, dtype=np.float32)
    return np.fromiter((s.instances for g in graphs for s in g.shapes), dtype=np.float32, count=n)  # type: ignore[union-attr]


def collate(graphs: Sequence[ArchGraph], embedder: OperatorEmbedder, device: str | torch.device = "cpu",
            node_features: Sequence[str] = (), graph_features: Sequence[str] = ()) -> "Batch":
    """Stack many small graphs into one disjoint-union Batch (x, edge_index, batch, ptr, gfeat) for the GCN.

    Node features are the operator embedding, followed by the raw numeric ``node_features`` when the model reads
    them; ``gfeat`` holds the raw ``graph_features`` per graph. Equivalent to ``Batch.from_data_list`` of per-graph
    ``Data`` objects, but vectorised: scoring the 15,625 NB201 cells builds one index array instead of 15,625 objects.
    """
    from ..extras import require

    Batch = require("torch_geometric.data", "the torch-geometric GCN (training, fine-tuning)").Batch

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
