"""DARTS / NAS-Bench-301 skeletons without building the network: each cell's block graph assembled from per-operator
templates, tested equal to :meth:`SearchSpace.skeleton` (the network built layer by layer, folded, split by scope).

What folding does to a DARTS cell, and so what the templates encode (node texts are the folded layers' canonical
parts; features: log2 kernel, log2 stride, depthwise):

* a preprocessing ReLU-Conv1x1-BN is one node ``ReLU, 1x1 convolution, batch normalization``; after a reduction cell
  input 0 goes through FactorizedReduce: ``ReLU`` feeding two strided ``1x1 convolution`` nodes, then
  ``concatenation, batch normalization``;
* an operator's nodes, in execution order: pools ``3x3 max/average pooling, batch normalization``; separable convs
  ``ReLU, kxk depthwise convolution`` / ``1x1 convolution, batch normalization, ReLU`` / ``kxk depthwise
  convolution`` / ``1x1 convolution, batch normalization``; dilated convs ``ReLU, kxk depthwise convolution
  dilation 2`` / ``1x1 convolution, batch normalization``; a strided skip is FactorizedReduce; an identity skip is
  an edge;
* an operator's leading ReLU folds back into a preprocessing node that feeds nothing else (that node's text gains
  ``, ReLU``, the operator's first node loses its ``ReLU, ``; FactorizedReduce's own ``ReLU`` node disappears);
* each intermediate node is one ``addition``; the cell ends in ``concatenation``; a preprocessing node (and its cell
  input) that no operator reads is pruned.
"""

from __future__ import annotations

import math
from functools import lru_cache

from .. import shapes as sh
from ..graph import INPUT, OUTPUT
from ..network.skeleton import Block, Skeleton, intern_block

_CONV1 = "1x1 convolution"
_PRE = "ReLU, 1x1 convolution, batch normalization"
_ZERO = (0.0, 0.0, 0.0)
_LOG3, _LOG5 = math.log2(3), math.log2(5)


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


def _op_cost(op: str, c: int, h: int, stride: int) -> sh.Cost:
    from .darts import _op_cost as cost

    return cost(op, c, h, stride)


def _cell_block(cell: tuple, reduction: bool, reduction_prev: bool, first: bool, c: int, h_pp: int, h_p: int,
                c_pp: int, c_p: int, input_h: int) -> Block:
    """The block of one cell at its place in the network (see the module docstring)."""
    used = {src for src, _ in cell}
    ops: list[str] = []
    feats: list[tuple] = []
    edges: list[tuple[int, int]] = []
    flops = params = 0.0
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
            cost = sh.factorized_reduce(c_pp, c, h_pp)
            state[0] = base + 3
        else:
            c_in, h_in = (c_pp, h_pp) if slot == 0 else (c_p, h_p)
            ops.append(_PRE + (", ReLU" if absorbs[slot] else ""))
            feats.append(_feats(1, 1, False))
            edges.append((input_of[slot], len(ops) - 1))
            cost = sh.relu_conv_bn(c_in, c, 1, h_p if slot == 0 else h_in)
            state[slot] = len(ops) - 1
        flops += cost.flops
        params += cost.params
    h_cell = h_p
    for i in range(4):
        outs = []
        for k in (2 * i, 2 * i + 1):
            src, op = cell[k]
            stride = 2 if reduction and src < 2 else 1
            h_in = h_cell if src < 2 or not reduction else sh.out_size(h_cell, 3, 2)
            cost = _op_cost(op, c, h_in, stride)
            flops += cost.flops
            params += cost.params
            template = _template(op, stride)
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
    first_h = h_pp if 0 in used else h_p
    level = round(math.log2(max(input_h / max(first_h, 1e-9), 1.0)), 6)
    graph, feats_t = intern_block(tuple(ops), tuple(sorted(set(edges))), tuple(feats))
    return Block(graph, feats_t, level, flops, params)


@lru_cache(maxsize=None)
def _fixed_blocks(dataset: str) -> tuple[Block, Block]:
    """The stem and head blocks (the same for every genotype), read off one network built layer by layer."""
    import numpy as np

    from . import SPACES

    space = SPACES["nasbench301"]
    blocks = space.generic_skeleton(space.random(np.random.default_rng(0)), dataset).blocks
    return blocks[0], blocks[-1]


def fast_skeleton(arch: tuple, space: str, dataset: str) -> Skeleton:
    """The skeleton of a canonical genotype (NASLib's ops only) without building its network."""
    from .darts import DATASETS, INIT_CHANNELS, STEM_MULTIPLIER, Darts

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

