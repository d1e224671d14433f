"""Where DARTS / NAS-Bench-301 cells become graphs: NASLib compact genotypes and DARTS ``Genotype``s."""

from __future__ import annotations

import ast
import math
import re
from functools import lru_cache
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

from .. import shapes as sh
from ..convert import plain
from ..graph import INPUT, OUTPUT, ArchGraph, ArchitectureError, edge_op_graph
from ..network import NetworkBuilder, Tensor
from ..network.skeleton import Block, Skeleton, intern_block
from ..shapes import Cost, Instance, NodeShape
from .base import NASLIB, NASLIB_PREDICTOR_EVALUATION, NASLIB_ZC, SEARCH, SearchSpace

#: NASLib's COMPACT_OPS order for NB301 compact encodings

OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
       "dil_conv_5x5")
NUM_INTERMEDIATE = 4

#: The NB301 training network, as NASLib builds it (the one NAS-Bench-Suite-Zero measured): conv 3x3 stem to 3*32
#: channels + BN, 8 cells (reduction cells 3rd and 6th, i.e. at 1/3 and 2/3 of the depth) at 32 / 64 / 128
#: channels, each cell preprocessing its two inputs (ReLU-Conv1x1-BN, or FactorizedReduce after a reduction) and
#: concatenating its 4 intermediate nodes; global average pool and a linear classifier (no auxiliary head). Cell
#: ops have non-affine BN; pools are followed by BN; skip in a reduction cell is a FactorizedReduce.
INIT_CHANNELS = 32
STEM_MULTIPLIER = 3
#: dataset -> (input size, classes)
DATASETS = {"cifar10": (32, 10)}
_KERNEL = {"max_pool_3x3": 3, "avg_pool_3x3": 3, "sep_conv_3x3": 3, "sep_conv_5x5": 5, "dil_conv_3x3": 3,
           "dil_conv_5x5": 5}


@lru_cache(maxsize=4096)
def _op_cost(op: str, c: int, h: int, stride: int) -> Cost:
    """One cell operator at ``c`` channels on an ``h x h`` input (NASLib's DARTS primitives)."""
    ho = sh.out_size(h, 3, stride)
    if op in ("max_pool_3x3", "avg_pool_3x3"):
        return sh.pool(c, h, 3, stride, 1) + sh.bn(c, ho, affine=False)
    if op == "skip_connect":
        return sh.ZERO if stride == 1 else sh.factorized_reduce(c, c, h, affine=False)
    if op == "none":
        return sh.ZERO
    k = _KERNEL.get(op)
    if op.startswith("sep_conv_") and k:
        return (sh.relu(c, h) + sh.conv(c, c, k, h, stride, groups=c) + sh.conv(c, c, 1, ho) + sh.bn(c, ho, False)
                + sh.relu(c, ho) + sh.conv(c, c, k, ho, 1, groups=c) + sh.conv(c, c, 1, ho) + sh.bn(c, ho, False))
    if op.startswith("dil_conv_") and k:
        return (sh.relu(c, h) + sh.conv(c, c, k, h, stride, groups=c, dilation=2) + sh.conv(c, c, 1, ho)
                + sh.bn(c, ho, False))
    raise ArchitectureError(f"no network definition for DARTS operator {op!r}; known: {', '.join(OPS)}")


@lru_cache(maxsize=None)
def _cells(dataset: str) -> tuple[tuple[bool, int, int, Cost, Instance, Instance], ...]:
    """Per cell: (reduction?, channels, input size, -, preprocess of input 0, preprocess of input 1)."""
    h = DATASETS[dataset][0]
    c_prev_prev = c_prev = STEM_MULTIPLIER * INIT_CHANNELS
    h_prev_prev = h_prev = h
    c = INIT_CHANNELS
    reduction_prev = False
    out = []
    for k in range(8):
        reduction = k in (2, 5)
        if reduction:
            c *= 2
        if reduction_prev:
            pre0 = Instance(c_prev_prev, c, h_prev_prev, 2, sh.factorized_reduce(c_prev_prev, c, h_prev_prev))
        else:
            pre0 = Instance(c_prev_prev, c, h_prev_prev, 1, sh.relu_conv_bn(c_prev_prev, c, 1, h_prev))
        pre1 = Instance(c_prev, c, h_prev, 1, sh.relu_conv_bn(c_prev, c, 1, h_prev))
        out.append((reduction, c, h_prev, sh.ZERO, pre0, pre1))
        h_out = sh.out_size(h_prev, 3, 2) if reduction else h_prev
        c_prev_prev, c_prev, h_prev_prev, h_prev = c_prev, NUM_INTERMEDIATE * c, h_prev, h_out
        reduction_prev = reduction
    return tuple(out)


@lru_cache(maxsize=None)
def _edge_shape(reduction: bool, source: int, op: str, dataset: str) -> NodeShape:
    instances = []
    for red, c, h, _, _, _ in _cells(dataset):
        if red != reduction:
            continue
        stride = 2 if reduction and source < 2 else 1
        h_in = h if source < 2 or not reduction else sh.out_size(h, 3, 2)
        instances.append(Instance(c, c, h_in, stride, _op_cost(op, c, h_in, stride)))
    depthwise = 1.0 if op.startswith(("sep_conv", "dil_conv")) else 0.0
    return sh.node_shape(instances, _KERNEL.get(op, 1), depthwise)


@lru_cache(maxsize=None)
def _io_shapes(dataset: str) -> tuple[tuple[NodeShape, ...], NodeShape]:
    """Input nodes (normal s0, s1, reduction s0, s1: their preprocessing) and the concatenating output."""
    cells = _cells(dataset)
    inputs = tuple(sh.node_shape([cell[4 + k] for cell in cells if cell[0] == red]) for red in (False, True)
                   for k in (0, 1))
    out = sh.node_shape([Instance(c, NUM_INTERMEDIATE * c, sh.out_size(h, 3, 2) if red else h, 1, sh.ZERO)
                         for red, c, h, _, _, _ in cells])
    return inputs, out


@lru_cache(maxsize=None)
def _skeleton(dataset: str) -> Cost:
    h, classes = DATASETS[dataset]
    c_stem = STEM_MULTIPLIER * INIT_CHANNELS
    cost = sh.conv(3, c_stem, 3, h) + sh.bn(c_stem, h)
    for _, _, _, _, pre0, pre1 in _cells(dataset):
        cost = cost + pre0.cost + pre1.cost
    red, c, h_last, _, _, _ = _cells(dataset)[-1]
    return cost + sh.global_pool(NUM_INTERMEDIATE * c, h_last) + sh.linear(NUM_INTERMEDIATE * c, classes)


def _cell_op(net: NetworkBuilder, op: str, x: Tensor, stride: int, name: str) -> Tensor:
    """One cell operator (NASLib's DARTS primitives, non-affine BN) on ``x``, keeping its channels."""
    c = x.c
    if op in ("max_pool_3x3", "avg_pool_3x3"):
        return net.bn(net.pool(x, op[:3], 3, stride, 1, name=name), affine=False, name=name)
    if op == "skip_connect":
        return x if stride == 1 else net.factorized_reduce(x, c, stride, affine=False, name=name)
    if op == "none":
        return net.zero(net.crop(x, sh.out_size(x.h, 1, stride)) if stride > 1 else x, name)
    k = _KERNEL.get(op)
    if op.startswith("sep_conv_") and k:
        x = net.conv(net.relu(x, name), c, k, stride, groups=c, name=name)
        x = net.relu(net.bn(net.conv(x, c, 1, name=name), False, name), name)
        x = net.conv(x, c, k, groups=c, name=name)
        return net.bn(net.conv(x, c, 1, name=name), False, name)
    if op.startswith("dil_conv_") and k:
        x = net.conv(net.relu(x, name), c, k, stride, groups=c, dilation=2, name=name)
        return net.bn(net.conv(x, c, 1, name=name), False, name)
    raise ArchitectureError(f"no network definition for DARTS operator {op!r}; known: {', '.join(OPS)}")


def _cell(net: NetworkBuilder, cell: tuple, s0: Tensor, s1: Tensor, c: int, reduction: bool, reduction_prev: bool,
          name: str) -> Tensor:
    """One cell as DARTS' ``Cell.forward`` runs it: preprocess both inputs, per intermediate node its two ops and
    their sum, then concatenate the four intermediate nodes."""
    if reduction_prev:
        s0 = net.factorized_reduce(s0, c, name=f"{name}.preprocess0")
    else:
        s0 = net.relu_conv_bn(s0, c, 1, name=f"{name}.preprocess0")
    states = [s0, net.relu_conv_bn(s1, c, 1, name=f"{name}.preprocess1")]
    for i in range(NUM_INTERMEDIATE):
        ys = [_cell_op(net, op, states[src], 2 if reduction and src < 2 else 1, f"{name}.op{2 * i + k}")
              for k, (src, op) in enumerate(cell[2 * i:2 * i + 2])]
        states.append(net.add(ys, f"{name}.node{2 + i}"))
    return net.cat(states[2:], f"{name}.concat")


def build_network(arch: tuple, dataset: str, space: str = "nasbench301", C: int = INIT_CHANNELS, layers: int = 8,
                  stem_multiplier: int = STEM_MULTIPLIER) -> NetworkBuilder:
    """The DARTS / NB301 network of a genotype, layer by layer as DARTS' ``NetworkCIFAR.forward`` runs it without
    its auxiliary head (the same network as :func:`tgnas_naslib.modules.nets.darts.darts_network`)."""
    h, classes = DATASETS[dataset]
    net = NetworkBuilder(space)
    x = net.input(3, h)
    s0 = s1 = net.bn(net.conv(x, stem_multiplier * C, 3, name="stem"), name="stem")
    c, reduction_prev = C, False
    for k in range(layers):
        reduction = k in (layers // 3, 2 * layers // 3)
        c = 2 * c if reduction else c
        s0, s1 = s1, _cell(net, arch[reduction], s0, s1, c, reduction, reduction_prev, f"cells.{k}")
        reduction_prev = reduction
    x = net.flatten(net.global_pool(s1, name="global_pooling"))
    net.output(net.linear(x, classes, name="classifier"))
    return net


class Genotype(NamedTuple):
    """The DARTS genotype: per cell, 8 (op, input) pairs (2 per intermediate node) and the concatenated nodes."""

    normal: list
    normal_concat: list
    reduce: list
    reduce_concat: list


def _parse_genotype_string(text: str) -> dict:
    """Parse ``Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), ...)`` without eval."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ArchitectureError(f"malformed DARTS genotype string {text!r:.200}") from None
    if not isinstance(tree, ast.Call) or not tree.keywords:
        raise ArchitectureError(f"malformed DARTS genotype string {text!r:.200}: expected Genotype(normal=..., ...)")
    out = {}
    for kw in tree.keywords:
        node = kw.value
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "range":
            out[kw.arg] = list(range(*[ast.literal_eval(a) for a in node.args]))
        else:
            try:
                out[kw.arg] = ast.literal_eval(node)
            except ValueError:
                raise ArchitectureError(f"malformed DARTS genotype field {kw.arg!r} in {text!r:.200}") from None
    return out


def _cell_from_pairs(pairs: Any, what: str) -> tuple[tuple[int | str, ...], ...]:
    fast = _fast_cell(pairs)
    if fast is not None:
        return fast
    pairs = plain(pairs)
    if not isinstance(pairs, tuple) or len(pairs) != 2 * NUM_INTERMEDIATE:
        raise ArchitectureError(f"DARTS {what} cell must have {2 * NUM_INTERMEDIATE} (input, op) pairs, got "
                                f"{len(pairs) if isinstance(pairs, tuple) else pairs!r}")
    cell = []
    for k, pair in enumerate(pairs):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise ArchitectureError(f"DARTS {what} cell entry {k} is {pair!r}, not a pair")
        # DARTS Genotype pairs are (op_name, input); NASLib compact pairs are (input, op_index)
        op, src = (pair[0], pair[1]) if isinstance(pair[0], str) else (pair[1], pair[0])
        node = 2 + k // 2
        if isinstance(src, bool) or not isinstance(src, int) or not 0 <= src < node:
            raise ArchitectureError(
                f"DARTS {what} cell entry {k}: intermediate node {node} cannot take input {src!r} "
                f"(valid: 0..{node - 1})"
            )
        if isinstance(op, int) and not isinstance(op, bool):
            if not 0 <= op < len(OPS):
                raise ArchitectureError(f"DARTS {what} cell entry {k}: op index {op} outside 0..{len(OPS) - 1}")
            op = OPS[op]
        if not isinstance(op, str) or not op.strip():
            raise ArchitectureError(f"DARTS {what} cell entry {k}: op {op!r} is not an operator name")
        cell.append((src, op))
    return tuple(cell)


_COMPACT_OK = {(src, op): (src, OPS[op]) for node in range(2, 2 + NUM_INTERMEDIATE) for src in range(node)
               for op in range(len(OPS))}


def _fast_cell(pairs: Any) -> tuple | None:
    """NASLib's compact cell as plain int pairs, validated by lookup (the common case when scoring millions); None
    for anything else, which takes the general path with its detailed messages."""
    if type(pairs) is not tuple or len(pairs) != 2 * NUM_INTERMEDIATE:
        return None
    out = []
    for k, pair in enumerate(pairs):
        if type(pair) is not tuple or len(pair) != 2 or type(pair[0]) is not int or type(pair[1]) is not int \
                or pair[0] >= 2 + k // 2:
            return None
        hit = _COMPACT_OK.get(pair)
        if hit is None:
            return None
        out.append(hit)
    return tuple(out)


class Darts(SearchSpace):
    """DARTS / NAS-Bench-301: normal and reduction cells, 2 inputs + 4 intermediate nodes each."""

    name = "nasbench301"
    family = "nb301"
    aliases = ("darts", "nb301", "nas-bench-301")
    supports = frozenset({NASLIB, NASLIB_ZC, NASLIB_PREDICTOR_EVALUATION, SEARCH})
    operators = OPS
    none_ops = frozenset({"none"})
    skip_ops = frozenset({"skip_connect"})
    datasets = tuple(DATASETS)

    def canonical(self, arch: Any) -> tuple[tuple, tuple]:
        """Accept NASLib's compact ((input, op_idx) x 8, x 8), a DARTS Genotype (object, dict or string).

        Returns ((normal pairs), (reduce pairs)) with pairs ``(input_node, op_name)``.
        """
        if type(arch) is tuple and len(arch) == 2:
            normal, reduce = _fast_cell(arch[0]), _fast_cell(arch[1])
            if normal is not None and reduce is not None:
                return normal, reduce
        if isinstance(arch, str):
            text = arch.strip()
            if re.match(r"^[A-Za-z_]*\s*\(\s*normal\s*=", text):
                arch = _parse_genotype_string(text)
            else:
                try:
                    arch = plain(ast.literal_eval(text))
                except (ValueError, SyntaxError):
                    raise ArchitectureError(f"cannot parse DARTS architecture {arch!r:.200}") from None
        if hasattr(arch, "normal") and hasattr(arch, "reduce"):
            arch = {"normal": arch.normal, "reduce": arch.reduce}
        if isinstance(arch, Mapping):
            try:
                return (_cell_from_pairs(arch["normal"], "normal"),
                        _cell_from_pairs(arch["reduce"], "reduce"))
            except KeyError as exc:
                raise ArchitectureError(f"DARTS genotype lacks {exc}") from None
        arch = plain(arch)
        if not isinstance(arch, tuple) or len(arch) != 2:
            raise ArchitectureError(f"DARTS compact encoding must be (normal, reduce), got {arch!r:.200}")
        return (_cell_from_pairs(arch[0], "normal"),
                _cell_from_pairs(arch[1], "reduce"))

    def graph(self, arch: tuple, representation: str = "prune") -> ArchGraph:
        """Both cells as op-on-node DAGs (each with its 2 inputs as input nodes), joined at one output node."""
        if representation == "prune" and all(op in _KNOWN for cell in arch for _, op in cell):
            return _fast_graph(arch, self.name, self.datasets[0])
        edge_ops = []
        for reduction, cell in enumerate(arch):
            offset = reduction * (2 + NUM_INTERMEDIATE)
            edge_ops += [(src + offset, 2 + k // 2 + offset, op) for k, (src, op) in enumerate(cell)]
        return self.edges_graph(edge_ops, representation)

    def edges_graph(self, edge_ops: Sequence[tuple[int, int, str]], representation: str = "prune") -> ArchGraph:
        """The two-cell graph from (source, target, op) triples, the reduction cell's nodes offset by 6; several
        ops per edge (a supernet) are parallel nodes and all count in the network cost."""
        prune = representation == "prune"
        dataset = self.datasets[0]
        cell = 2 + NUM_INTERMEDIATE
        shapes = [_edge_shape(a >= cell, a % cell, op, dataset) for a, _, op in edge_ops]
        inputs, output = _io_shapes(dataset)
        return edge_op_graph(
            2 * cell, edge_ops, input_nodes=[0, 1, 6, 7], output_node=None, space=self.name,
            concat_nodes=[2, 3, 4, 5, 8, 9, 10, 11],
            none_ops=self.none_ops if prune else frozenset(),
            skip_ops=self.skip_ops if prune else frozenset(),
            edge_shapes=shapes, input_shapes=inputs, output_shape=output,
            cost=_skeleton(dataset) + sh.total(s.cost for s in shapes),
        )

    def network_cost(self, arch: tuple, dataset: str) -> Cost:
        """Stem, preprocessing, head, plus every operator of the 6 normal and 2 reduction cells."""
        cost = _skeleton(dataset)
        for reduction, cell in enumerate(arch):
            for src, op in cell:
                cost = cost + _edge_shape(bool(reduction), src, op, dataset).cost
        return cost

    def build_network(self, arch: tuple, dataset: str) -> NetworkBuilder:
        """The NB301 training network (C=32, 8 cells, no auxiliary head) for the genotype, layer by layer."""
        return build_network(arch, dataset, self.name)

    def skeleton(self, arch: tuple, dataset: str | None = None) -> "Skeleton":
        """The skeleton of a canonical genotype, assembled from per-operator templates (:func:`fast_skeleton`,
        tested equal to :meth:`generic_skeleton`); a genotype with an operator outside NASLib's seven (``none``) is
        built layer by layer."""
        if all(op in _KNOWN for cell in arch for _, op in cell):
            return fast_skeleton(arch, self.name, self.check_dataset(dataset))
        return self.generic_skeleton(arch, dataset)

    def generic_skeleton(self, arch: tuple, dataset: str | None = None) -> "Skeleton":
        """The skeleton from the network built layer by layer (what the fast path is tested against)."""
        return super().skeleton(arch, dataset)

    def compact(self, arch: Any) -> tuple:
        """NASLib's compact form ((input, op_idx) x 8, x 8); raises for ops outside COMPACT_OPS."""
        cells = self.canonical(arch)
        try:
            return tuple(tuple((src, OPS.index(op)) for src, op in cell) for cell in cells)
        except ValueError:
            raise ArchitectureError(f"{arch!r:.200} has an op outside NASLib's compact ops {OPS}") from None

    def genotype(self, arch: Any) -> Genotype:
        """The DARTS Genotype namedtuple."""
        normal, reduce = self.canonical(arch)
        return Genotype([(op, src) for src, op in normal], list(range(2, 6)),
                        [(op, src) for src, op in reduce], list(range(2, 6)))

    def format(self, arch: Any) -> str:
        """``Genotype(normal=[...], normal_concat=range(2, 6), reduce=[...], reduce_concat=range(2, 6))``."""
        g = self.genotype(arch)
        return (f"Genotype(normal={g.normal}, normal_concat=range(2, 6), "
                f"reduce={g.reduce}, reduce_concat=range(2, 6))")

    def random(self, rng: np.random.Generator) -> tuple:
        """A random valid compact cell pair: each intermediate node takes two distinct earlier inputs."""
        cells = []
        for _ in range(2):
            cell = []
            for node in range(2, 2 + NUM_INTERMEDIATE):
                srcs = rng.choice(node, size=2, replace=False)
                for s in sorted(int(x) for x in srcs):
                    cell.append((s, int(rng.integers(0, len(OPS)))))
            cells.append(tuple(cell))
        return self.canonical(tuple(cells))


_KNOWN = frozenset(OPS)
#: one shared (source, target) tuple per edge: a graph's edge tuple points at these instead of ~37 new pairs of its
#: own (issue 20: a third of the memory of a memoised DARTS graph)
_PAIRS = [[(a, b) for b in range(5 + 4 * NUM_INTERMEDIATE)]  # 4 in, 1 out, 16 ops
          for a in range(5 + 4 * NUM_INTERMEDIATE)]


def _fast_graph(arch: tuple, space: str, dataset: str) -> ArchGraph:
    """The graph :meth:`Darts.edges_graph` builds for a genotype of NASLib's ops (tested equal), without its generic
    pruning: in a DARTS cell every intermediate node is concatenated into the output and fed from the cell inputs,
    so every operator node is alive and only a cell input that nothing reads is dropped."""
    inputs, output = _io_shapes(dataset)
    table = _shape_table(dataset)
    ops: list[str] = ["input", "input", "input", "input", "output"]
    shapes: list[NodeShape] = [*inputs, output]
    edges: list[tuple[int, int]] = []
    skeleton = _skeleton(dataset)
    flops, params = skeleton.flops, skeleton.params
    for reduction, cell in enumerate(arch):
        producers: list[list[int]] = [[2 * reduction], [2 * reduction + 1], [], [], [], []]
        # edges in (source, target) order, as edge_op_graph takes them; equal pairs keep their genotype order
        for k in sorted(range(8), key=lambda k: cell[k][0] * 8 + k):
            src, op = cell[k]
            shape = table[reduction, src, op]
            flops += shape.flops
            params += shape.params
            if op == "skip_connect":
                producers[2 + k // 2] += producers[src]
                continue
            idx = len(ops)
            ops.append(op)
            shapes.append(shape)
            for p in producers[src]:
                edges.append(_PAIRS[p][idx])
            producers[2 + k // 2].append(idx)
        for node in (2, 3, 4, 5):
            for p in producers[node]:
                edges.append(_PAIRS[p][4])
    used = {a for a, _ in edges}
    if len(used.intersection((0, 1, 2, 3))) < 4:  # renumber around the cell inputs nothing reads
        keep = [i for i in range(len(ops)) if i > 3 or i in used]
        remap = {old: new for new, old in enumerate(keep)}
        ops = [ops[i] for i in keep]
        shapes = [shapes[i] for i in keep]
        edges = [_PAIRS[remap[a]][remap[b]] for a, b in edges]
    return ArchGraph._trusted(tuple(ops), tuple(sorted(set(edges))), space, tuple(shapes), Cost(flops, params))


@lru_cache(maxsize=None)
def _shape_table(dataset: str) -> dict[tuple[int, int, str], NodeShape]:
    """Every (reduction cell?, source node, op) -> its NodeShape, looked up without hashing a call."""
    return {(red, src, op): _edge_shape(bool(red), src, op, dataset)
            for red in (0, 1) for src in range(2 + NUM_INTERMEDIATE - 1) for op in OPS}

# skeletons without building the network ------------------------------------------------------------------------------
# DARTS / NAS-Bench-301 skeletons without building the network: each cell's block graph assembled from per-operator
# templates, tested equal to :meth:`SearchSpace.skeleton` (the network built layer by layer, folded, split by scope).
#
# What folding does to a DARTS cell, and so what the templates encode (node texts are the folded layers' canonical
# parts; features: log2 kernel, log2 stride, depthwise):
#
# * a preprocessing ReLU-Conv1x1-BN is one node ``ReLU, 1x1 convolution, batch normalization``; after a reduction cell
#  input 0 goes through FactorizedReduce: ``ReLU`` feeding two strided ``1x1 convolution`` nodes, then
#  ``concatenation, batch normalization``;
# * an operator's nodes, in execution order: pools ``3x3 max/average pooling, batch normalization``; separable convs
#  ``ReLU, kxk depthwise convolution`` / ``1x1 convolution, batch normalization, ReLU`` / ``kxk depthwise
#  convolution`` / ``1x1 convolution, batch normalization``; dilated convs ``ReLU, kxk depthwise convolution
#  dilation 2`` / ``1x1 convolution, batch normalization``; a strided skip is FactorizedReduce; an identity skip is
#  an edge;
# * an operator's leading ReLU folds back into a preprocessing node that feeds nothing else (that node's text gains
#  ``, ReLU``, the operator's first node loses its ``ReLU, ``; FactorizedReduce's own ``ReLU`` node disappears);
# * each intermediate node is one ``addition``; the cell ends in ``concatenation``; a preprocessing node (and its cell
#  input) that no operator reads is pruned.

_CONV1 = "1x1 convolution"
_PRE = "ReLU, 1x1 convolution, batch normalization"
_ZERO = (0.0, 0.0, 0.0)


def _feats(kernel: int, stride: int, depthwise: bool) -> tuple[float, float, float]:
    return (math.log2(kernel), math.log2(stride), 1.0 if depthwise else 0.0)


@lru_cache(maxsize=None)
def _template(op: str, stride: int) -> tuple[tuple[str, tuple, tuple[int, ...]], ...]:
    """An operator's nodes: (text, features, local predecessors; -1 = the operator's input), in execution order."""
    s = stride
    if op in ("max_pool_3x3", "avg_pool_3x3"):
        kind = "max" if op.startswith("max") else "average"
        return ((f"3x3 {kind} pooling, batch normalization", _feats(3, s, False), (-1,)),)
    if op == "skip_connect":
        if s == 1:
            return ()
        return (("ReLU", _ZERO, (-1,)), (_CONV1, _feats(1, s, False), (0,)), (_CONV1, _feats(1, s, False), (0,)),
                ("concatenation, batch normalization", _ZERO, (1, 2)))
    k = int(op[-1])
    if op.startswith("sep_conv_"):
        return ((f"ReLU, {k}x{k} depthwise convolution", _feats(k, s, True), (-1,)),
                ("1x1 convolution, batch normalization, ReLU", _ZERO, (0,)),
                (f"{k}x{k} depthwise convolution", _feats(k, 1, True), (1,)),
                ("1x1 convolution, batch normalization", _ZERO, (2,)))
    if op.startswith("dil_conv_"):
        return ((f"ReLU, {k}x{k} depthwise convolution dilation 2", _feats(k, s, True), (-1,)),
                ("1x1 convolution, batch normalization", _ZERO, (0,)))
    raise KeyError(op)


def _cell_block(cell: tuple, reduction: bool, reduction_prev: bool, first: bool, c: int, h_pp: int, h_p: int,
                c_pp: int, c_p: int, input_h: int) -> Block:
    """The block of one cell at its place in the network (see the module docstring): its width-free graph (the same
    wherever the cell sits in the same role: built once, :func:`_cell_graph`) and its cost there."""
    graph, feats_t, used = _cell_graph(cell, reduction, reduction_prev, first)
    flops = params = 0.0
    for slot in (0, 1):  # preprocessing of the inputs the cell reads
        if slot not in used:
            continue
        if slot == 0 and reduction_prev:
            cost = sh.factorized_reduce(c_pp, c, h_pp)
        else:
            cost = sh.relu_conv_bn(c_pp if slot == 0 else c_p, c, 1, h_p)
        flops += cost.flops
        params += cost.params
    h_reduced = sh.out_size(h_p, 3, 2) if reduction else h_p
    for src, op in cell:
        cost = _op_cost(op, c, h_p if src < 2 or not reduction else h_reduced, 2 if reduction and src < 2 else 1)
        flops += cost.flops
        params += cost.params
    first_h = h_pp if 0 in used else h_p
    level = round(math.log2(max(input_h / max(first_h, 1e-9), 1.0)), 6)
    return Block(graph, feats_t, level, flops, params)


@lru_cache(maxsize=1024)
def _cell_graph(cell: tuple, reduction: bool, reduction_prev: bool, first: bool) -> tuple[Any, tuple, frozenset]:
    """The interned width-free block graph of a cell in its role (first cell, reduction, after a reduction), its
    node features and the inputs (0, 1) it reads."""
    used = {src for src, _ in cell}
    ops: list[str] = []
    feats: list[tuple] = []
    edges: list[tuple[int, int]] = []
    # the block's input nodes: one per outside producer (cell 0 reads the stem twice: one producer)
    if first:
        n_in, input_of = 1, {0: 0, 1: 0}
    elif {0, 1} <= used:
        n_in, input_of = 2, {0: 0, 1: 1}
    else:
        n_in, input_of = 1, {next(iter(used & {0, 1})): 0}
    ops += [INPUT] * n_in
    feats += [_ZERO] * n_in
    # preprocessing: readers of each state (0, 1) to know whether its node feeds exactly one operator
    readers = {0: [k for k, (src, _) in enumerate(cell) if src == 0], 1: [k for k, (src, _) in enumerate(cell)
                                                                       if src == 1]}
    state: dict[int, int] = {}  # state index -> block node holding it (intermediate nodes: their addition)
    absorbs: dict[int, bool] = {}  # preprocessing slot whose node takes its single reader's leading ReLU
    for slot in (0, 1):
        if slot not in used:
            continue
        single = len(readers[slot]) == 1
        reader_op = cell[readers[slot][0]][1] if single else ""
        stride_r = 2 if reduction else 1
        leading_relu = reader_op.startswith(("sep_conv", "dil_conv")) or (reader_op == "skip_connect" and stride_r > 1)
        absorbs[slot] = single and leading_relu
        if slot == 0 and reduction_prev:  # FactorizedReduce of input 0 (never absorbs: it ends in a concatenation)
            absorbs[slot] = False
            base = len(ops)
            ops += ["ReLU", _CONV1, _CONV1, "concatenation, batch normalization"]
            feats += [_ZERO, _feats(1, 2, False), _feats(1, 2, False), _ZERO]
            edges += [(input_of[0], base), (base, base + 1), (base, base + 2), (base + 1, base + 3),
                      (base + 2, base + 3)]
            state[0] = base + 3
        else:
            ops.append(_PRE + (", ReLU" if absorbs[slot] else ""))
            feats.append(_feats(1, 1, False))
            edges.append((input_of[slot], len(ops) - 1))
            state[slot] = len(ops) - 1
    for i in range(4):
        outs = []
        for k in (2 * i, 2 * i + 1):
            src, op = cell[k]
            template = _template(op, 2 if reduction and src < 2 else 1)
            if not template:
                outs.append(state[src])
                continue
            absorbed = src < 2 and absorbs.get(src, False)
            nodes: list[int] = []
            for text, f, preds in template:
                if absorbed and text == "ReLU":  # FactorizedReduce's ReLU went into the preprocessing node
                    nodes.append(state[src])
                    continue
                if absorbed and text.startswith("ReLU, ") and not nodes:
                    text = text[len("ReLU, "):]
                idx = len(ops)
                ops.append(text)
                feats.append(f)
                edges += [(state[src] if p < 0 else nodes[p], idx) for p in preds]
                nodes.append(idx)
            outs.append(nodes[-1])
        ops.append("addition")
        feats.append(_ZERO)
        edges += [(o, len(ops) - 1) for o in outs]
        state[2 + i] = len(ops) - 1
    ops.append("concatenation")
    feats.append(_ZERO)
    edges += [(state[2 + i], len(ops) - 1) for i in range(4)]
    ops.append(OUTPUT)
    feats.append(_ZERO)
    edges.append((len(ops) - 2, len(ops) - 1))
    graph, feats_t = intern_block(tuple(ops), tuple(sorted(set(edges))), tuple(feats))
    return graph, feats_t, frozenset(used)


@lru_cache(maxsize=None)
def _fixed_blocks(dataset: str) -> tuple[Block, Block]:
    """The stem and head blocks (the same for every genotype), read off one network built layer by layer."""
    space = Darts()
    blocks = space.generic_skeleton(space.random(np.random.default_rng(0)), dataset).blocks
    return blocks[0], blocks[-1]


def fast_skeleton(arch: tuple, space: str, dataset: str) -> Skeleton:
    """The skeleton of a canonical genotype (NASLib's ops only) without building its network."""
    h, _ = DATASETS[dataset]
    stem, head = _fixed_blocks(dataset)
    blocks = [stem]
    c_pp = c_p = STEM_MULTIPLIER * INIT_CHANNELS
    h_pp = h_p = h
    c = INIT_CHANNELS
    reduction_prev = False
    for k in range(8):
        reduction = k in (2, 5)
        if reduction:
            c *= 2
        blocks.append(_cell_block(arch[reduction], reduction, reduction_prev, k == 0, c, h_pp, h_p, c_pp, c_p, h))
        h_out = sh.out_size(h_p, 3, 2) if reduction else h_p
        c_pp, c_p, h_pp, h_p = c_p, 4 * c, h_p, h_out
        reduction_prev = reduction
    blocks.append(head)
    return Skeleton(tuple(blocks), Darts().network_cost(arch, dataset), space)

