"""Where NAS-Bench-201 cells become graphs: NASLib 6-tuples and benchmark strings ``|op~0|+|op~0|op~1|+|...|``."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .. import shapes as sh
from ..graph import ArchitectureError
from ..network import NetworkBuilder, Tensor
from ..shapes import Cost, Instance, NodeShape
from .base import NASLIB, NASLIB_PREDICTOR_EVALUATION, NASLIB_ZC, SEARCH, TABLE, CellSpace, int_tuple

#: NASLib op indices (0=Identity, 1=Zero, 2=ReLUConvBN3x3, 3=ReLUConvBN1x1, 4=AvgPool) in benchmark names
OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
#: NASLib edge order of the 6-tuple: (0->1, 0->2, 0->3, 1->2, 1->3, 2->3); node 0 input, node 3 output
EDGES = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
# position in the benchmark string (|a~0|+|b~0|c~1|+|d~0|e~1|f~2|) -> tuple index
_STRING_ORDER = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
_TOKEN = re.compile(r"^([A-Za-z0-9_]+)~(\d+)$")

#: The network NASLib builds (NAS-Bench-201's TinyNetwork, the one NAS-Bench-Suite-Zero measured): conv 3x3 stem
#: to 16 channels + BN; 3 stages of 5 cells at 16 / 32 / 64 channels; a ResNet basic block with stride 2 between
#: stages; BN, ReLU, global average pool and a linear classifier. Cell convs are ReLU-Conv-BN (affine).
STAGES = ((16, 5), (32, 5), (64, 5))
#: dataset -> (input size, classes)
DATASETS = {"cifar10": (32, 10), "cifar100": (32, 100), "ImageNet16-120": (16, 120)}


def _op_cost(op: str, c: int, h: int) -> Cost:
    if op == "nor_conv_3x3":
        return sh.relu_conv_bn(c, c, 3, h)
    if op == "nor_conv_1x1":
        return sh.relu_conv_bn(c, c, 1, h)
    if op == "avg_pool_3x3":
        return sh.pool(c, h, 3)
    if op in ("skip_connect", "none"):
        return sh.ZERO
    raise ArchitectureError(f"no NAS-Bench-201 network definition for operator {op!r}; known: {', '.join(OPS)}")


def _stage_sizes(dataset: str) -> list[tuple[int, int, int]]:
    """(channels, input size, cells) per stage."""
    h = DATASETS[dataset][0]
    out = []
    for c, n in STAGES:
        out.append((c, h, n))
        h = sh.out_size(h, 3, 2)
    return out


@lru_cache(maxsize=None)
def _edge_shape(op: str, dataset: str) -> NodeShape:
    instances = [Instance(c, c, h, 1, _op_cost(op, c, h)) for c, h, n in _stage_sizes(dataset) for _ in range(n)]
    kernel = {"nor_conv_3x3": 3, "avg_pool_3x3": 3}.get(op, 1)
    return sh.node_shape(instances, kernel)


@lru_cache(maxsize=None)
def _io_shapes(dataset: str) -> tuple[NodeShape, NodeShape]:
    node = sh.node_shape([Instance(c, c, h, 1, sh.ZERO) for c, h, n in _stage_sizes(dataset) for _ in range(n)])
    return node, node


@lru_cache(maxsize=None)
def _skeleton(dataset: str) -> Cost:
    h, classes = DATASETS[dataset]
    cost = sh.conv(3, STAGES[0][0], 3, h) + sh.bn(STAGES[0][0], h)  # stem
    for (c_in, h_in, _), (c_out, _, _) in zip(_stage_sizes(dataset), _stage_sizes(dataset)[1:]):
        h_out = sh.out_size(h_in, 3, 2)
        cost = (cost + sh.relu_conv_bn(c_in, c_out, 3, h_in, 2) + sh.relu_conv_bn(c_out, c_out, 3, h_out)
                + sh.pool(c_in, h_in, 2, 2, 0) + sh.conv(c_in, c_out, 1, h_out))  # ResNet block, avg-pool shortcut
    c, h, _ = _stage_sizes(dataset)[-1]
    return cost + sh.bn(c, h) + sh.relu(c, h) + sh.global_pool(c, h) + sh.linear(c, classes)


def _edge_op(net: NetworkBuilder, op: str, x: Tensor, c: int, name: str) -> Tensor:
    if op == "skip_connect":
        return x
    if op == "none":
        return net.zero(x, name)
    if op == "nor_conv_3x3":
        return net.relu_conv_bn(x, c, 3, name=name)
    if op == "nor_conv_1x1":
        return net.relu_conv_bn(x, c, 1, name=name)
    if op == "avg_pool_3x3":
        return net.pool(x, "avg", 3, 1, 1, name=name)
    raise ArchitectureError(f"no NAS-Bench-201 network definition for operator {op!r}; known: {', '.join(OPS)}")


def build_network(arch: tuple[int, ...], dataset: str, space: str = "nasbench201", C: int = 16, N: int = 5
                  ) -> NetworkBuilder:
    """The NAS-Bench-201 network of a cell, layer by layer as its ``forward`` runs (the same network as
    ``tgnas_naslib.modules.zoo.nb201_network``): stem, 3 stages of N cells, residual reductions, BN-ReLU head."""
    h, classes = DATASETS[dataset]
    net = NetworkBuilder(space)
    x = net.input(3, h)
    x = net.bn(net.conv(x, C, 3, name="stem"), name="stem")
    for stage, c in enumerate((C, 2 * C, 4 * C)):
        if stage:
            shortcut = net.conv(net.pool(x, "avg", 2, 2, 0, name="reduction.pool"), c, 1, name="reduction.proj")
            a = net.relu_conv_bn(x, c, 3, 2, name="reduction.conv_a")
            x = net.add([shortcut, net.relu_conv_bn(a, c, 3, 1, name="reduction.conv_b")], "reduction.add")
        for cell in range(N):
            nodes = [x]
            for j in (1, 2, 3):
                ins = [_edge_op(net, OPS[arch[k]], nodes[i], c, f"cell{stage}.{cell}.{i}-{j}")
                       for k, (i, dst) in enumerate(EDGES) if dst == j]
                nodes.append(net.add(ins, f"cell{stage}.{cell}.node{j}"))
            x = nodes[3]
    x = net.flatten(net.global_pool(net.relu(net.bn(x, name="lastact"), "lastact")))
    net.output(net.linear(x, classes, name="classifier"))
    return net


def parse_string(text: str) -> tuple[int, ...]:
    """Parse a NB201 benchmark string into NASLib's 6-tuple of op indices, or raise naming the problem."""
    s = text.strip()
    nodes = s.split("+")
    if len(nodes) != 3:
        raise ArchitectureError(
            f"malformed NAS-Bench-201 string {text!r}: expected 3 nodes separated by '+', got {len(nodes)}"
        )
    found: dict[tuple[int, int], int] = {}
    for dst, node in enumerate(nodes, start=1):
        if not (node.startswith("|") and node.endswith("|")) or len(node) < 3:
            raise ArchitectureError(f"malformed NAS-Bench-201 string {text!r}: node {dst} {node!r} is not '|op~i|...|'")
        tokens = node[1:-1].split("|")
        if len(tokens) != dst:
            raise ArchitectureError(
                f"malformed NAS-Bench-201 string {text!r}: node {dst} needs {dst} inputs, got {len(tokens)}"
            )
        for token in tokens:
            m = _TOKEN.match(token)
            if not m:
                raise ArchitectureError(f"malformed NAS-Bench-201 string {text!r}: bad edge {token!r} (want op~i)")
            op, src = m.group(1), int(m.group(2))
            if op not in OPS:
                raise ArchitectureError(f"unknown NAS-Bench-201 operator {op!r} in {text!r}; known: {', '.join(OPS)}")
            if src >= dst or (src, dst) in found:
                raise ArchitectureError(f"malformed NAS-Bench-201 string {text!r}: edge {src}->{dst} is invalid")
            found[(src, dst)] = OPS.index(op)
    return tuple(found[e] for e in EDGES)


def to_string(arch: tuple[int, ...]) -> str:
    """Format a NASLib 6-tuple as the NB201 benchmark string."""
    idx = {e: i for i, e in enumerate(EDGES)}
    parts = []
    for dst in (1, 2, 3):
        parts.append("|" + "|".join(f"{OPS[arch[idx[(s, dst)]]]}~{s}" for s in range(dst)) + "|")
    return "+".join(parts)


class NasBench201(CellSpace):
    """NAS-Bench-201: 4-node cell, 6 edges, 5 operators; 15,625 architectures."""

    name = "nasbench201"
    family = "nb201"
    aliases = ("nb201", "nas-bench-201")
    supports = frozenset({NASLIB, NASLIB_ZC, NASLIB_PREDICTOR_EVALUATION, SEARCH, TABLE})
    cell_ops = OPS
    cell_edges = EDGES
    datasets = tuple(DATASETS)

    def edge_shape(self, source: int, op: str, dataset: str) -> NodeShape:
        """Every cell edge of NB201 has the same shape: the op at 16/32/64 channels, 5 cells each."""
        return _edge_shape(op, dataset)

    def io_shapes(self, dataset: str) -> tuple[NodeShape, NodeShape]:
        """Cell input and output: the stage's channels and size, no cost."""
        return _io_shapes(dataset)

    def skeleton_cost(self, dataset: str) -> Cost:
        """Stem, the two ResNet reduction blocks and the classifier head."""
        return _skeleton(dataset)

    def build_network(self, arch: tuple[int, ...], dataset: str) -> NetworkBuilder:
        """NAS-Bench-201's network (TinyNetwork, C=16, N=5) for the cell, layer by layer."""
        return build_network(arch, dataset, self.name)

    def canonical(self, arch: Any) -> tuple[int, ...]:
        """Accept a 6-tuple (or list/array/string of one) or a benchmark string."""
        if isinstance(arch, str) and "~" in arch:
            return parse_string(arch)
        return int_tuple(arch, 6, 0, len(OPS) - 1, "NAS-Bench-201 op-index tuple")

    def format(self, arch: Any) -> str:
        """The benchmark string."""
        return to_string(self.canonical(arch))
