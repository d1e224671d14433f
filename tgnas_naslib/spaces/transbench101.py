"""Where TransNAS-Bench-101 micro cells and macro skeletons become graphs."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any, Iterator

import numpy as np

from .. import shapes as sh
from ..graph import INPUT, OUTPUT, ArchGraph, ArchitectureError
from ..network import NetworkBuilder, Tensor
from ..shapes import Cost, Instance, NodeShape
from .base import NASLIB, NASLIB_PREDICTOR_EVALUATION, NASLIB_ZC, SEARCH, TABLE, CellSpace, SearchSpace, int_tuple
from .nasbench201 import NasBench201

#: TransNAS-Bench micro op codes: 0=none, 1=skip, 2=ReLU-Conv1x1-BN, 3=ReLU-Conv3x3-BN (same ops as NB201)
MICRO_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
#: TransNAS-Bench's own edge order (NOT NB201's): node 0 = cell input, node 3 = cell output
MICRO_EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
_MICRO_STRING = re.compile(r"^(?:\d+-\d+-)?([0-3])_([0-3]{2})_([0-3]{3})$")

#: macro layer codes (each layer = 2 ResNet basic blocks; the first carries the change): 1 = same, 2 = channels x2,
#: 3 = stride 2, 4 = stride 2 and channels x2
_MACRO_STRING = re.compile(r"^(?:\d+-)?([1-4]{4,6})(?:-basic)?$")

#: TransNAS-Bench-101's MacroNet (its ``net_infer/net_macro.py``, the network NAS-Bench-Suite-Zero measured): stem
#: Conv3x3/2 to 32 channels + BN, ReLU-Conv3x3/2-BN to 64; then one layer per macro code, each of 2 cells (micro
#: cells, or ResNet basic blocks for the macro space): codes 2 and 4 double the channels, 3 and 4 halve the size,
#: in the layer's first cell. Micro networks all use the macro skeleton 41414. Inputs are 256x256.
BASE_CHANNELS = 64
MICRO_SKELETON = (4, 1, 4, 1, 4)
INPUT_SIZE = 256
#: task -> classes of its linear head (classification tasks); the other tasks' decoders are the same for every
#: architecture, so their networks are costed as the encoder plus the class_scene head (a constant offset)
HEADS = {"class_scene": 63, "class_object": 100}
TASKS = ("class_scene", "class_object", "autoencoder", "jigsaw", "normal", "room_layout", "segmentsemantic")


def _stem() -> tuple[Cost, int]:
    h1 = sh.out_size(INPUT_SIZE, 3, 2)
    h2 = sh.out_size(h1, 3, 2)
    half = BASE_CHANNELS // 2
    return sh.conv(3, half, 3, INPUT_SIZE, 2) + sh.bn(half, h1) + sh.relu_conv_bn(half, BASE_CHANNELS, 3, h1, 2), h2


def _cells(codes: tuple[int, ...]) -> list[tuple[int, int, int, int]]:
    """(c_in, c_out, input size, stride) of every cell of the MacroNet with these layer codes."""
    _, h = _stem()
    c = BASE_CHANNELS
    out = []
    for code in codes:
        target = c * 2 if code in (2, 4) else c
        stride = 2 if code in (3, 4) else 1
        out.append((c, target, h, stride))
        h = sh.out_size(h, 1, stride)
        out.append((target, target, h, 1))
        c = target
    return out


def _head(c: int, h: int, task: str) -> Cost:
    return sh.global_pool(c, h) + sh.linear(c, HEADS.get(task, HEADS["class_scene"]))


def _micro_op_cost(op: int, c_in: int, c_out: int, h: int, stride: int) -> Cost:
    """A TNB micro-cell edge: 0 zero, 1 identity (FactorizedReduce when the shape changes), 2/3 ReLU-Conv-BN."""
    if op == 0:
        return sh.ZERO
    if op == 1:
        return sh.ZERO if stride == 1 and c_in == c_out else sh.factorized_reduce(c_in, c_out, h, stride=stride)
    return sh.relu_conv_bn(c_in, c_out, 1 if op == 2 else 3, h, stride)


def _micro_op(net: NetworkBuilder, op: int, x: Tensor, c_out: int, stride: int, name: str) -> Tensor:
    """A TNB micro-cell edge op on ``x`` (TransNAS-Bench's ``cell_ops.OPS``)."""
    if op == 0:  # Zero: x[:, :, ::s, ::s] * 0, or new zeros of the output's shape when the channels change
        ho = sh.out_size(x.h, 1, stride)
        if x.c != c_out:
            return net.const(c_out, ho)
        return net.zero(net.crop(x, ho) if stride > 1 else x, name)
    if op == 1:
        return x if stride == 1 and x.c == c_out else net.factorized_reduce(x, c_out, stride, name=name)
    return net.relu_conv_bn(x, c_out, 1 if op == 2 else 3, stride, name=name)


def _micro_cell(net: NetworkBuilder, arch: tuple[int, ...], x: Tensor, c_out: int, stride: int, name: str) -> Tensor:
    """A micro cell as TransNAS-Bench's ``MicroCell.forward`` runs it: node j sums its edges from nodes 0..j-1 (edges
    leaving the cell input carry the stride and channel change); node 3 is the output."""
    nodes = [x]
    for j in (1, 2, 3):
        ins = [_micro_op(net, arch[k], nodes[i], c_out, stride if i == 0 else 1, f"{name}.edge{i}{j}")
               for k, (i, dst) in enumerate(MICRO_EDGES) if dst == j]
        nodes.append(net.add(ins, f"{name}.node{j}"))
    return nodes[3]


def _basic_block(net: NetworkBuilder, x: Tensor, c_out: int, stride: int, name: str) -> Tensor:
    """A ResNet basic block (``ResNetBasicblock.forward``): two ReLU-Conv3x3-BN, the residual projected by
    Conv1x1(stride)-BN where the shape changes, then ``residual + feature``."""
    feature = net.relu_conv_bn(x, c_out, 3, stride, name=f"{name}.conv_a")
    feature = net.relu_conv_bn(feature, c_out, 3, name=f"{name}.conv_b")
    residual = x
    if stride != 1 or x.c != c_out:
        residual = net.bn(net.conv(x, c_out, 1, stride, name=f"{name}.downsample"), name=f"{name}.downsample")
    return net.add([residual, feature], f"{name}.add")


def build_network(codes: tuple[int, ...], cell: tuple[int, ...] | None, task: str, space: str) -> NetworkBuilder:
    """TNB's MacroNet of layer ``codes`` with micro ``cell`` codes (None: basic blocks) and ``task``'s head (see HEADS),
    layer by layer as in :mod:`tgnas_naslib.modules.nets.transbench101`."""
    net = NetworkBuilder(space)
    x = net.input(3, INPUT_SIZE)
    x = net.bn(net.conv(x, BASE_CHANNELS // 2, 3, 2, name="stem.0"), name="stem.1")
    x = net.relu_conv_bn(x, BASE_CHANNELS, 3, 2, name="stem.2")
    for k, (_, c_out, _, stride) in enumerate(_cells(codes)):
        name = f"layers.{k // 2}.{k % 2}"  # the module's scope names: the skeleton finds blocks by scope
        if cell is None:
            x = _basic_block(net, x, c_out, stride, name)
        else:
            x = _micro_cell(net, cell, x, c_out, stride, name)
    x = net.flatten(net.global_pool(x, name="decoder.avgpool"))
    net.output(net.linear(x, HEADS.get(task, HEADS["class_scene"]), name="decoder.fc"))
    return net


@lru_cache(maxsize=None)
def _micro_edge_shape(source: int, op: int) -> NodeShape:
    instances = []
    for c_in, c_out, h, stride in _cells(MICRO_SKELETON):
        if source == 0:
            instances.append(Instance(c_in, c_out, h, stride, _micro_op_cost(op, c_in, c_out, h, stride)))
        else:
            ho = sh.out_size(h, 1, stride)
            instances.append(Instance(c_out, c_out, ho, 1, _micro_op_cost(op, c_out, c_out, ho, 1)))
    return sh.node_shape(instances, 3 if op == 3 else 1)


@lru_cache(maxsize=None)
def _micro_io() -> tuple[NodeShape, NodeShape]:
    cells = _cells(MICRO_SKELETON)
    inp = sh.node_shape([Instance(ci, ci, h, 1, sh.ZERO) for ci, _, h, _ in cells])
    out = sh.node_shape([Instance(co, co, sh.out_size(h, 1, s), 1, sh.ZERO) for _, co, h, s in cells])
    return inp, out


@lru_cache(maxsize=None)
def _micro_skeleton(task: str) -> Cost:
    stem, _ = _stem()
    _, c, h, s = _cells(MICRO_SKELETON)[-1]
    return stem + _head(c, sh.out_size(h, 1, s), task)


class TransBench101Micro(CellSpace):
    """TransNAS-Bench-101 micro: a NB201-like 4-node cell with 4 ops; 4,096 architectures."""

    name = "transbench101_micro"
    family = NasBench201.family  # NB201's cell design (4 nodes, 6 edges, its ops less avg_pool): one family
    aliases = ("tnb101_micro", "transnas_micro")
    supports = frozenset({NASLIB, NASLIB_ZC, NASLIB_PREDICTOR_EVALUATION, SEARCH, TABLE})
    cell_ops = MICRO_OPS
    cell_edges = MICRO_EDGES
    datasets = TASKS

    def edge_shape(self, source: int, op: str, dataset: str) -> NodeShape:
        """Edges leaving the cell input carry the layer's stride and channel change; the others do not."""
        if op not in MICRO_OPS:
            raise ArchitectureError(f"no TransNAS-Bench micro network definition for operator {op!r}; "
                                    f"known: {', '.join(MICRO_OPS)}")
        return _micro_edge_shape(source, MICRO_OPS.index(op))

    def io_shapes(self, dataset: str) -> tuple[NodeShape, NodeShape]:
        """Cell input and output: the cells' channels and sizes, no cost."""
        return _micro_io()

    def skeleton_cost(self, dataset: str) -> Cost:
        """Stem and head of the 64-41414 MacroNet."""
        return _micro_skeleton(dataset)

    def build_network(self, arch: tuple[int, ...], dataset: str) -> NetworkBuilder:
        """The 64-41414 MacroNet with the micro cell in all 10 cells and ``dataset``'s linear head (tasks other than
        class_scene / class_object: class_scene's, as in the analytic cost), layer by layer."""
        return build_network(MICRO_SKELETON, arch, dataset, self.name)

    def canonical(self, arch: Any) -> tuple[int, ...]:
        """Accept 6 TNB codes (tuple/list/string of one) or a TNB cell string like ``1_02_333``."""
        if isinstance(arch, str) and "_" in arch:
            m = _MICRO_STRING.match(arch.strip())
            if not m:
                raise ArchitectureError(
                    f"malformed TransNAS-Bench micro string {arch!r}: expected e.g. '1_02_333' or '64-41414-1_02_333'"
                )
            return tuple(int(c) for c in "".join(m.groups()))
        return int_tuple(arch, 6, 0, len(MICRO_OPS) - 1, "TransNAS-Bench micro code tuple")

    def format(self, arch: Any) -> str:
        """The TransNAS-Bench cell string, e.g. ``1_02_333``."""
        a = self.canonical(arch)
        return f"{a[0]}_{a[1]}{a[2]}_{a[3]}{a[4]}{a[5]}"


def macro_is_valid(codes: tuple[int, ...]) -> bool:
    """TransNAS-Bench macro rules: 4-6 layers, 1-4 downsamplings (codes 3, 4), 1-3 channel doublings (2, 4)."""
    down = sum(c in (3, 4) for c in codes)
    wide = sum(c in (2, 4) for c in codes)
    return 4 <= len(codes) <= 6 and 1 <= down <= 4 and 1 <= wide <= 3


class TransBench101Macro(SearchSpace):
    """TransNAS-Bench-101 macro: a chain of 4-6 layers of 2 ResNet basic blocks; 3,256 valid skeletons."""

    name = "transbench101_macro"
    family = "tnb101_macro"
    aliases = ("tnb101_macro", "transnas_macro")
    supports = frozenset({NASLIB, TABLE})
    operators = ("nor_conv_3x3", "nor_conv_1x1")
    datasets = TASKS

    def canonical(self, arch: Any) -> tuple[int, ...]:
        """Accept 4-6 layer codes (NASLib pads with trailing 0s) or a skeleton string like ``41414``."""
        if isinstance(arch, str) and not arch.strip().startswith(("(", "[")):
            m = _MACRO_STRING.match(arch.strip())
            if not m:
                raise ArchitectureError(
                    f"malformed TransNAS-Bench macro string {arch!r}: expected 4-6 digits in 1..4, e.g. '41414' "
                    "or '64-41414-basic'"
                )
            codes = tuple(int(c) for c in m.group(1))
        else:
            codes = int_tuple(arch, (4, 5, 6), 0, 4, "TransNAS-Bench macro code tuple")
            while codes and codes[-1] == 0:  # NASLib's sampler pads to 6 with zeros
                codes = codes[:-1]
            if 0 in codes:
                raise ArchitectureError(f"TransNAS-Bench macro codes {codes} have a 0 (padding) inside the sequence")
        if not macro_is_valid(codes):
            raise ArchitectureError(
                f"invalid TransNAS-Bench macro skeleton {codes}: needs 4-6 layers, 1-4 downsamplings (codes 3/4) "
                "and 1-3 channel doublings (codes 2/4)"
            )
        return codes

    def graph(self, arch: tuple[int, ...], representation: str = "prune") -> ArchGraph:
        """The skeleton's ResNet basic blocks as operator nodes: ReLU-Conv3x3-BN twice per block (the first with the
        block's stride and channel change), the residual as plain edges, or a Conv1x1 node where the shortcut
        projects; every node with its channels, size, stride and cost."""
        ops, shapes, edges = [INPUT], [], []
        cells = _cells(arch)
        c0, _, h0, _ = cells[0]
        shapes.append(sh.node_shape([Instance(c0, c0, h0, 1, sh.ZERO)]))
        block_in = [0]  # graph nodes whose sum is the current block's input
        for c_in, c_out, h, stride in cells:
            ho = sh.out_size(h, 1, stride)
            a, b = len(ops), len(ops) + 1
            ops += ["nor_conv_3x3", "nor_conv_3x3"]
            shapes += [sh.node_shape([Instance(c_in, c_out, h, stride, sh.relu_conv_bn(c_in, c_out, 3, h, stride))], 3),
                       sh.node_shape([Instance(c_out, c_out, ho, 1, sh.relu_conv_bn(c_out, c_out, 3, ho))], 3)]
            edges += [(p, a) for p in block_in] + [(a, b)]
            if stride != 1 or c_in != c_out:
                proj = len(ops)
                ops.append("nor_conv_1x1")
                shapes.append(sh.node_shape([Instance(c_in, c_out, h, stride, _projection(c_in, c_out, h, stride))]))
                edges += [(p, proj) for p in block_in]
                block_in = [b, proj]
            else:
                block_in = [b] + block_in
        out = len(ops)
        ops.append(OUTPUT)
        _, c_last, h_last, s_last = cells[-1]
        shapes.append(sh.node_shape([Instance(c_last, c_last, sh.out_size(h_last, 1, s_last), 1, sh.ZERO)]))
        edges += [(p, out) for p in block_in]
        return ArchGraph(tuple(ops), tuple(edges), self.name, tuple(shapes), self.network_cost(arch, self.datasets[0]))

    def network_cost(self, arch: tuple[int, ...], dataset: str) -> Cost:
        """Stem, every basic block (two ReLU-Conv3x3-BN and the projection shortcut where needed) and the head."""
        return _macro_cost(arch, dataset)

    def build_network(self, arch: tuple[int, ...], dataset: str) -> NetworkBuilder:
        """The MacroNet of the skeleton with ResNet basic blocks and ``dataset``'s linear head (tasks other than
        class_scene / class_object: class_scene's, as in the analytic cost), layer by layer."""
        return build_network(arch, None, dataset, self.name)

    def format(self, arch: Any) -> str:
        """The skeleton string, e.g. ``41414``."""
        return "".join(map(str, self.canonical(arch)))

    def size(self) -> int:
        """3,256 valid skeletons."""
        return sum(1 for _ in self.enumerate())

    def enumerate(self) -> Iterator[tuple[int, ...]]:
        """Every valid skeleton, shortest first."""
        for length in (4, 5, 6):
            for codes in itertools.product((1, 2, 3, 4), repeat=length):
                if macro_is_valid(codes):
                    yield codes

    def random(self, rng: np.random.Generator) -> tuple[int, ...]:
        """A random valid skeleton: uniform length 4-6, then uniform codes by rejection."""
        while True:
            codes = tuple(int(x) for x in rng.integers(1, 5, size=int(rng.integers(4, 7))))
            if macro_is_valid(codes):
                return codes


def _projection(c_in: int, c_out: int, h: int, stride: int) -> Cost:
    """A basic block's projection shortcut: Conv1x1(stride) + BN."""
    return sh.conv(c_in, c_out, 1, h, stride) + sh.bn(c_out, sh.out_size(h, 1, stride))


@lru_cache(maxsize=8192)
def _macro_cost(codes: tuple[int, ...], task: str) -> Cost:
    cost, _ = _stem()
    cells = _cells(codes)
    for c_in, c_out, h, stride in cells:
        ho = sh.out_size(h, 1, stride)
        cost = cost + sh.relu_conv_bn(c_in, c_out, 3, h, stride) + sh.relu_conv_bn(c_out, c_out, 3, ho)
        if stride != 1 or c_in != c_out:
            cost = cost + _projection(c_in, c_out, h, stride)
    _, c, h, s = cells[-1]
    return cost + _head(c, sh.out_size(h, 1, s), task)
