"""Where NAS-Bench-101 cells become graphs: spec dicts {matrix, ops} and NASLib's 56-tuples (pruned)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .. import shapes as sh
from ..convert import plain
from ..graph import ArchGraph, ArchitectureError
from ..network import NetworkBuilder, Tensor
from ..shapes import Cost, Instance
from .base import NASLIB, NASLIB_ZC, SearchSpace, int_tuple, literal

#: NB101 op codes of NASLib's 56-tuple hash
OPS = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
NUM_NODES = 7

#: The NAS-Bench-101 network (nasbench / nasbench_pytorch, which NASLib uses): Conv3x3-BN-ReLU stem to 128
#: channels; 3 stacks of 3 cells at 128 / 256 / 512 channels with a 2x2 max pool between stacks; global mean and a
#: linear classifier. In a cell the output channels are split between the vertices feeding the output, every
#: vertex fed by the cell input gets a Conv1x1-BN-ReLU projection of it, and ops keep their vertex's channels.
STEM_CHANNELS = 128
STACKS = 3
CELLS_PER_STACK = 3
#: dataset -> (input size, classes)
DATASETS = {"cifar10": (32, 10)}
_OP_COST = {
    "conv3x3-bn-relu": lambda c, h: sh.conv_bn_relu(c, c, 3, h),
    "conv1x1-bn-relu": lambda c, h: sh.conv_bn_relu(c, c, 1, h),
    "maxpool3x3": lambda c, h: sh.pool(c, h, 3, 1, 1),
}
_KERNEL = {"conv3x3-bn-relu": 3, "conv1x1-bn-relu": 1, "maxpool3x3": 3}


def vertex_channels(c_in: int, c_out: int, matrix: np.ndarray) -> list[int]:
    """Channels of every vertex of a pruned cell (NAS-Bench-101's rule: the output's channels are split evenly
    between the vertices that feed it, the first ones taking the remainder; other vertices take the largest of
    their successors')."""
    n = matrix.shape[0]
    channels = [0] * n
    channels[0], channels[-1] = c_in, c_out
    if n == 2:
        return channels
    feeders = int(matrix[1:, n - 1].sum())
    share, extra = divmod(c_out, feeders)
    for v in range(1, n - 1):
        if matrix[v, n - 1]:
            channels[v] = share + (1 if extra > 0 else 0)
            extra -= 1 if extra > 0 else 0
    for v in range(n - 3, 0, -1):
        if not matrix[v, n - 1]:
            for dst in range(v + 1, n - 1):
                if matrix[v, dst]:
                    channels[v] = max(channels[v], channels[dst])
    return channels


def _stack_sizes(dataset: str) -> list[tuple[int, int, int]]:
    """(cell input channels, cell output channels, size) of the 9 cells in order."""
    h = DATASETS[dataset][0]
    c_in = c_out = STEM_CHANNELS
    out = []
    for stack in range(STACKS):
        if stack:
            h = sh.out_size(h, 2, 2, 0)
            c_out *= 2
        for _ in range(CELLS_PER_STACK):
            out.append((c_in, c_out, h))
            c_in = c_out
    return out


def _cell_instances(matrix: np.ndarray, ops: tuple[str, ...], dataset: str) -> list[list[Instance]]:
    """Per vertex of the pruned cell, its 9 copies (op + the projection of the cell input it receives)."""
    n = matrix.shape[0]
    per_vertex: list[list[Instance]] = [[] for _ in range(n)]
    for c_in, c_out, h in _stack_sizes(dataset):
        ch = vertex_channels(c_in, c_out, matrix)
        per_vertex[0].append(Instance(c_in, c_in, h, 1, sh.ZERO))
        for v in range(1, n):
            cost = sh.conv_bn_relu(c_in, ch[v], 1, h) if matrix[0, v] else sh.ZERO
            if v < n - 1:
                try:
                    cost = cost + _OP_COST[ops[v]](ch[v], h)
                except KeyError:
                    raise ArchitectureError(f"no NAS-Bench-101 network definition for operator {ops[v]!r}; "
                                            f"known: {', '.join(_OP_COST)}") from None
            per_vertex[v].append(Instance(c_in if matrix[0, v] else ch[v], ch[v], h, 1, cost))
    return per_vertex


def _skeleton(dataset: str) -> Cost:
    h, classes = DATASETS[dataset]
    cost = sh.conv_bn_relu(3, STEM_CHANNELS, 3, h) + sh.linear(_stack_sizes(dataset)[-1][1], classes)
    for (c_prev, _, h_prev), (_, _, h_next) in zip(_stack_sizes(dataset), _stack_sizes(dataset)[1:]):
        if h_next != h_prev:
            cost = cost + sh.pool(c_prev, h_prev, 2, 2, 0)
    return cost


def prune(arch: tuple, space: str = "nasbench101") -> tuple[np.ndarray, tuple[str, ...]]:
    """The cell NAS-Bench-101 builds for a spec: nodes off every input->output path removed (order kept)."""
    matrix, ops = arch
    pruned = ArchGraph.from_adjacency(np.array(matrix), ops, space=space)
    if not pruned.is_connected:
        raise ArchitectureError("a NAS-Bench-101 cell without an input->output path builds no network")
    return pruned.adjacency, pruned.ops


def _vertex_op(net: NetworkBuilder, op: str, x: Tensor, name: str) -> Tensor:
    if op == "conv3x3-bn-relu":
        return net.conv_bn_relu(x, x.c, 3, name=name)
    if op == "conv1x1-bn-relu":
        return net.conv_bn_relu(x, x.c, 1, name=name)
    if op == "maxpool3x3":
        return net.pool(x, "max", 3, 1, 1, name=name)
    raise ArchitectureError(f"no NAS-Bench-101 network definition for operator {op!r}; known: {', '.join(_OP_COST)}")


def _cell(net: NetworkBuilder, x: Tensor, matrix: np.ndarray, ops: tuple[str, ...], c_out: int, name: str) -> Tensor:
    """One cell as nasbench_pytorch's ``Cell.forward`` runs it: per vertex its truncated inputs, the input's projection,
    their sum and its op; the output concatenates, then adds the input's projection."""
    n = len(ops)
    ch = vertex_channels(x.c, c_out, matrix)
    tensors = [x]
    concat = []
    for t in range(1, n - 1):
        fan_in = [net.truncate(tensors[s], ch[t]) for s in range(1, t) if matrix[s, t]]
        if matrix[0, t]:
            fan_in.append(net.conv_bn_relu(x, ch[t], 1, name=f"{name}.input_op{t}"))
        tensors.append(_vertex_op(net, ops[t], net.add(fan_in, f"{name}.sum{t}"), f"{name}.vertex_op{t}"))
        if matrix[t, n - 1]:
            concat.append(tensors[t])
    if not concat:
        return net.conv_bn_relu(x, c_out, 1, name=f"{name}.input_op{n - 1}")
    out = concat[0] if len(concat) == 1 else net.cat(concat, f"{name}.cat")
    if matrix[0, n - 1]:
        out = net.add([out, net.conv_bn_relu(x, c_out, 1, name=f"{name}.input_op{n - 1}")], f"{name}.add")
    return out


def build_network(arch: tuple, dataset: str, space: str = "nasbench101", stem_channels: int = STEM_CHANNELS,
                  stacks: int = STACKS, cells_per_stack: int = CELLS_PER_STACK) -> NetworkBuilder:
    """The NAS-Bench-101 network of a spec, layer by layer as nasbench_pytorch's ``Network.forward`` runs it (the
    same network as :func:`tgnas_naslib.modules.nets.nasbench101.nb101_network`): the pruned cell in every cell."""
    matrix, ops = prune(arch, space)
    h, classes = DATASETS[dataset]
    net = NetworkBuilder(space)
    x = net.conv_bn_relu(net.input(3, h), stem_channels, 3, name="stem")
    c = stem_channels
    for stack in range(stacks):
        if stack:
            x = net.pool(x, "max", 2, 2, 0, name=f"downsample{stack}")
            c *= 2
        for cell in range(cells_per_stack):
            x = _cell(net, x, matrix, ops, c, f"cell{stack}.{cell}")
    net.output(net.linear(net.global_pool(x, module=False, name="mean"), classes, name="classifier"))
    return net


def spec_to_tuple(matrix: Any, ops: Any) -> tuple[int, ...]:
    """Encode a 7-node spec as NASLib's 56-tuple (flattened 7x7 adjacency then 7 op codes)."""
    mat = np.asarray(matrix)
    if mat.shape != (NUM_NODES, NUM_NODES):
        raise ArchitectureError(f"the 56-tuple needs a 7x7 matrix, got {mat.shape}")
    return tuple(int(v) for v in mat.flatten()) + tuple(OPS.index(o) for o in ops)


class NasBench101(SearchSpace):
    """NAS-Bench-101: up to 7 nodes (ops on nodes), 3 operators, at most 9 edges."""

    name = "nasbench101"
    family = "nb101"
    aliases = ("nb101", "nas-bench-101")
    supports = frozenset({NASLIB, NASLIB_ZC})
    operators = OPS[2:]
    datasets = tuple(DATASETS)

    def canonical(self, arch: Any) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]:
        """Accept a spec dict {matrix, ops}, a (matrix, ops) pair, or the 56-tuple; return (matrix, ops)."""
        if isinstance(arch, str):
            arch = literal(arch, "NAS-Bench-101 architecture")
        if isinstance(arch, Mapping) or (hasattr(arch, "matrix") and hasattr(arch, "ops")):
            try:
                matrix = arch["matrix"] if isinstance(arch, Mapping) else arch.matrix
                ops = arch["ops"] if isinstance(arch, Mapping) else arch.ops
            except KeyError as exc:
                raise ArchitectureError(f"NAS-Bench-101 spec dict lacks {exc}; need 'matrix' and 'ops'") from None
        else:
            arch = plain(arch)
            if isinstance(arch, tuple) and len(arch) == 2 and isinstance(arch[1], tuple) and arch[1] \
                    and isinstance(arch[1][0], str):
                matrix, ops = arch
            else:
                flat = int_tuple(arch, NUM_NODES * NUM_NODES + NUM_NODES, 0, len(OPS) - 1,
                                 "NAS-Bench-101 56-tuple")
                matrix = np.array(flat[:49]).reshape(NUM_NODES, NUM_NODES)
                ops = tuple(OPS[c] for c in flat[49:])
        mat = np.asarray(plain(matrix))
        ops = tuple(str(o) for o in ops)
        if mat.ndim != 2 or mat.shape[0] != mat.shape[1] or mat.shape[0] != len(ops):
            raise ArchitectureError(
                f"NAS-Bench-101 spec: matrix shape {mat.shape} does not match {len(ops)} ops"
            )
        if not np.isin(mat, (0, 1)).all():
            raise ArchitectureError("NAS-Bench-101 spec: matrix entries must be 0 or 1")
        if np.tril(mat).any():
            raise ArchitectureError(
                "NAS-Bench-101 spec: matrix must be strictly upper-triangular (a DAG in node order); "
                f"found edges {[(int(a), int(b)) for a, b in zip(*np.nonzero(np.tril(mat)))]} pointing backwards"
            )
        if ops[0] != "input" or ops[-1] != "output":
            raise ArchitectureError(f"NAS-Bench-101 spec: ops must start with 'input' and end with 'output', got {ops}")
        return tuple(tuple(int(v) for v in row) for row in mat), ops

    def graph(self, arch: tuple, representation: str = "prune") -> ArchGraph:
        """Ops are already on nodes; nodes off every input->output path are pruned (as NAS-Bench-101 does before
        building the network); every node gets its shape context over the 9 cells."""
        matrix, ops = arch
        pruned = ArchGraph.from_adjacency(np.array(matrix), ops, space=self.name)
        if not pruned.is_connected:
            return ArchGraph.disconnected(self.name)
        dataset = self.datasets[0]
        per_vertex = _cell_instances(pruned.adjacency, pruned.ops, dataset)
        shapes = [sh.node_shape(inst, _KERNEL.get(op, 1)) for inst, op in zip(per_vertex, pruned.ops)]
        cost = _skeleton(dataset) + sh.total(i.cost for inst in per_vertex for i in inst)
        return ArchGraph(pruned.ops, pruned.edges, self.name, tuple(shapes), cost)

    def network_cost(self, arch: tuple, dataset: str) -> Cost:
        """Stem, max pools, classifier and the 9 cells of the pruned spec."""
        per_vertex = _cell_instances(*prune(arch, self.name), dataset)
        return _skeleton(dataset) + sh.total(i.cost for inst in per_vertex for i in inst)

    def build_network(self, arch: tuple, dataset: str) -> NetworkBuilder:
        """NAS-Bench-101's network (128-channel stem, 3 stacks of 3 cells) for the pruned spec, layer by layer."""
        return build_network(arch, dataset, self.name)

    def network_graph(self, arch: tuple, dataset: str | None = None) -> ArchGraph:
        """The whole network as one graph; a cell without an input->output path builds none: the disconnected graph."""
        if not ArchGraph.from_adjacency(np.array(arch[0]), arch[1], space=self.name).is_connected:
            return ArchGraph.disconnected(self.name)
        return super().network_graph(arch, dataset)

    def format(self, arch: Any) -> str:
        """``{'matrix': [...], 'ops': [...]}``."""
        matrix, ops = self.canonical(arch)
        return str({"matrix": [list(r) for r in matrix], "ops": list(ops)})
