"""DARTS / NAS-Bench-301 skeletons of many genotypes at once, laid out with array operations.

:func:`~tgnas_naslib.spaces.darts.fast_skeleton` assembles each cell's block graph in Python (a few hundred
microseconds per architecture). Here the block graphs of a whole chunk of genotypes are laid out at once in the arrays
of a :class:`~tgnas_naslib.spaces.skeletons.SkeletonTable` (the packaged tables' layout, which the hierarchical scorer
reads directly), from the same per-operator templates (:func:`~tgnas_naslib.spaces.darts._template`); tested equal to
:func:`fast_skeleton` block for block, costs and levels included.

Every cell has 45 node *slots*, in the order :func:`~tgnas_naslib.spaces.darts._cell_graph` creates nodes: 2 inputs,
4 for the preprocessing of input 0 (one node, or FactorizedReduce's four after a reduction cell), 1 for input 1, per
intermediate node 4 for each of its two operators (its template) and 1 for its addition, then the concatenation and
the output. A cell's nodes are its occupied slots in slot order; its edges are the candidate slot pairs that apply,
sorted and deduplicated per cell as the Python path sorts them.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from .. import shapes as sh
from ..graph import INPUT, OUTPUT
from ..network.skeleton import Skeleton
from .darts import (
    _CONV1,
    _KNOWN,
    _PRE,
    _ZERO,
    DATASETS,
    OPS,
    Darts,
    _cells,
    _edge_shape,
    _feats,
    _fixed_blocks,
    _op_cost,
    _skeleton,
    _template,
)

N_SLOTS = 45
_PRE0, _PRE1, _CONCAT, _OUT = 2, 6, 43, 44
#: per operator k of a cell (0-7), its first slot; per intermediate node i (0-3), its addition's slot
_OP_BASE = np.array([7 + (k // 2) * 9 + (k % 2) * 4 for k in range(8)])
_ADD = np.array([7 + i * 9 + 8 for i in range(4)])
_SKIP = OPS.index("skip_connect")
_LEADING_RELU = np.array([op.startswith(("sep_conv", "dil_conv")) for op in OPS])
#: the roles a cell plays in the 8-cell network: (reduction cell?, after a reduction cell?, first cell?) and the
#: cells in each role
ROLES = ((False, False, True), (False, False, False), (True, False, False), (False, True, False))
_ROLE_OF_CELL = (0, 1, 2, 3, 1, 2, 3, 1)


@lru_cache(maxsize=None)
def _texts(dataset: str) -> tuple[str, ...]:
    """Every node text a DARTS skeleton can have (the stem's and head's included): the table's vocabulary."""
    texts = {INPUT, OUTPUT, "addition", "concatenation", "ReLU", _CONV1, "concatenation, batch normalization", _PRE,
             _PRE + ", ReLU"}
    for variant in _variants():
        texts.update(t for t in variant[1] if t)
    for block in _fixed_blocks(dataset):
        texts.update(block.graph.ops)
    return tuple(sorted(texts))


@lru_cache(maxsize=None)
def _vocab(dataset: str) -> dict[str, int]:
    """Node text -> its id in the table's vocabulary (:func:`_texts`)."""
    return {t: i for i, t in enumerate(_texts(dataset))}


@lru_cache(maxsize=None)
def _variants() -> list[tuple[list[bool], list[str], list[tuple], list[tuple[int, int]], int]]:
    """Per (operator, stride 2?, absorbed?) — index ``op * 4 + 2 * strided + absorbed`` — its template as slots:
    exists, text, features, the two predecessors (-2 none, -1 the operator's input, j its slot j), last slot (-1:
    no node). ``absorbed``: the operator is the only reader of a preprocessing node that took its leading ReLU."""
    out = []
    for op in OPS:
        for stride in (1, 2):
            for absorbed in (False, True):
                exists, texts, feats, preds = [False] * 4, [""] * 4, [_ZERO] * 4, [(-2, -2)] * 4
                replaced: set[int] = set()
                for j, (text, f, pr) in enumerate(_template(op, stride)):
                    if absorbed and text == "ReLU":  # FactorizedReduce's ReLU is the preprocessing node's
                        replaced.add(j)
                        continue
                    if absorbed and text.startswith("ReLU, ") and j == 0:
                        text = text[len("ReLU, "):]
                    refs = [-1 if p < 0 or p in replaced else p for p in pr]
                    exists[j], texts[j], feats[j] = True, text, f
                    preds[j] = (refs + [-2])[:2] if len(refs) < 2 else (refs[0], refs[1])
                last = max((j for j in range(4) if exists[j]), default=-1)
                out.append((exists, texts, feats, preds, last))
    return out


@lru_cache(maxsize=None)
def _variant_arrays(dataset: str) -> tuple[np.ndarray, ...]:
    vocab = _vocab(dataset)
    v = _variants()
    exists = np.array([x[0] for x in v], dtype=bool)
    texts = np.array([[vocab.get(t, -1) for t in x[1]] for x in v], dtype=np.int64)
    feats = np.array([x[2] for x in v], dtype=np.float64)
    preds = np.array([x[3] for x in v], dtype=np.int64)
    last = np.array([x[4] for x in v], dtype=np.int64)
    return exists, texts, feats, preds, last


def _role_graphs(src: np.ndarray, op: np.ndarray, role: tuple[bool, bool, bool], dataset: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The block graphs of cells ``(src, op)`` [M, 8] in one role: per cell its slots' existence [M, 45], text ids
    and features, and its edges as (cell, source node, target node) sorted and deduplicated; and which of the two
    cell inputs each cell reads."""
    reduction, after_reduction, first = role
    m = len(src)
    rows = np.arange(m)
    vocab = _vocab(dataset)
    v_exists, v_text, v_feats, v_preds, v_last = _variant_arrays(dataset)
    readers = [(src == s) for s in (0, 1)]
    used = [r.any(1) for r in readers]
    absorbs = []
    for s in (0, 1):  # a preprocessing node takes the leading ReLU of its only reader
        reader_op = op[rows, readers[s].argmax(1)]
        leading = _LEADING_RELU[reader_op] | ((reader_op == _SKIP) & reduction)
        never = s == 0 and after_reduction  # FactorizedReduce ends in a concatenation: it absorbs nothing
        absorbs.append((readers[s].sum(1) == 1) & leading & (not never))
    exists = np.zeros((m, N_SLOTS), dtype=bool)
    text = np.zeros((m, N_SLOTS), dtype=np.int64)
    feats = np.zeros((m, N_SLOTS, 3), dtype=np.float64)
    exists[:, 0] = used[0] | first
    exists[:, 1] = used[1] & (not first)
    text[:, :2] = vocab[INPUT]
    if after_reduction:  # FactorizedReduce of input 0
        exists[:, 2:6] = used[0][:, None]
        text[:, 2:6] = [vocab["ReLU"], vocab[_CONV1], vocab[_CONV1], vocab["concatenation, batch normalization"]]
        feats[:, 3:5] = _feats(1, 2, False)
    else:
        exists[:, _PRE0] = used[0]
        text[:, _PRE0] = np.where(absorbs[0], vocab[_PRE + ", ReLU"], vocab[_PRE])
        feats[:, _PRE0] = _feats(1, 1, False)
    exists[:, _PRE1] = used[1]
    text[:, _PRE1] = np.where(absorbs[1], vocab[_PRE + ", ReLU"], vocab[_PRE])
    feats[:, _PRE1] = _feats(1, 1, False)
    # the slot holding each state (0, 1: preprocessing; 2-5: the intermediate nodes' additions)
    state = np.array([5 if after_reduction else _PRE0, _PRE1, *_ADD])
    absorbed = np.where(src == 0, absorbs[0][:, None], np.where(src == 1, absorbs[1][:, None], False))
    strided = reduction & (src < 2)
    variant = op * 4 + 2 * strided + absorbed  # [M, 8]
    slots = _OP_BASE[None, :, None] + np.arange(4)[None, None, :]  # [1, 8, 4]
    exists[rows[:, None, None], slots] = v_exists[variant]
    text[rows[:, None, None], slots] = v_text[variant]
    feats[rows[:, None, None], slots] = v_feats[variant]
    exists[:, _ADD] = True
    exists[:, [_CONCAT, _OUT]] = True
    text[:, _ADD] = vocab["addition"]
    text[:, _CONCAT], text[:, _OUT] = vocab["concatenation"], vocab[OUTPUT]
    # candidate edges (slot pairs) and whether each applies: fixed ones [E0], then per operator and template slot
    # its two predecessors [M, 8 * 4 * 2], each operator's output into its addition [M, 8]
    fixed = np.array([[0, _PRE0], [2, 3], [2, 4], [3, 5], [4, 5], [0 if first else 1, _PRE1],
                      *[[_ADD[i], _CONCAT] for i in range(4)], [_CONCAT, _OUT]])
    fixed_valid = np.stack([used[0], *[used[0] & after_reduction] * 4, used[1], *[np.ones(m, dtype=bool)] * 5], 1)
    preds = v_preds[variant]  # [M, 8, 4, 2]
    state_slot = state[src]  # [M, 8]
    op_src = np.where(preds == -1, state_slot[:, :, None, None], _OP_BASE[None, :, None, None] + preds)
    op_dst = np.broadcast_to(slots[..., None], preds.shape)
    op_valid = v_exists[variant][..., None] & (preds != -2)
    last = v_last[variant]  # [M, 8]
    out_src = np.where(last >= 0, _OP_BASE[None, :] + last, state_slot)
    out_dst = np.broadcast_to(_ADD[np.arange(8) // 2], (m, 8))
    a_slot = np.concatenate([np.broadcast_to(fixed[:, 0], (m, len(fixed))), op_src.reshape(m, -1), out_src], 1)
    b_slot = np.concatenate([np.broadcast_to(fixed[:, 1], (m, len(fixed))), op_dst.reshape(m, -1), out_dst], 1)
    valid = np.concatenate([fixed_valid, op_valid.reshape(m, -1), np.ones((m, 8), dtype=bool)], 1)
    node_of_slot = np.cumsum(exists, 1) - 1
    cell, e = np.nonzero(valid)
    a = node_of_slot[cell, a_slot[cell, e]]
    b = node_of_slot[cell, b_slot[cell, e]]
    key = np.sort((cell * 64 + a) * 64 + b)  # per cell by (source, target); duplicates dropped below
    key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    return exists, text, feats, np.stack([key // 4096, (key // 64) % 64, key % 64], 1), used[0], used[1]


def _pair(cost: sh.Cost) -> tuple[float, float]:
    return cost.flops, cost.params


@lru_cache(maxsize=None)
def _position_costs(dataset: str) -> list[dict]:
    """Per cell position (0-7) of the network: the costs of its preprocessing and of every (source, operator), and its
    level whether or not it reads input 0 (as :func:`~tgnas_naslib.spaces.darts._cell_block` computes them)."""
    h = DATASETS[dataset][0]
    out = []
    for reduction, c, h_p, _, pre0, pre1 in _cells(dataset):  # the network's cells, as its cost tables see them
        h_reduced = sh.out_size(h_p, 3, 2) if reduction else h_p
        ops = np.array([[_pair(_op_cost(o, c, h_p if s < 2 or not reduction else h_reduced,
                                        2 if reduction and s < 2 else 1)) for o in OPS] for s in range(6)],
                       dtype=np.float64)  # [source, op, (flops, params)]
        level = [round(math.log2(max(h / max(first_h, 1e-9), 1.0)), 6) for first_h in (h_p, pre0.h_in)]
        out.append({"pre0": _pair(pre0.cost), "pre1": _pair(pre1.cost), "ops": ops, "level": np.array(level)})
    return out


@lru_cache(maxsize=None)
def _network_op_costs(dataset: str) -> np.ndarray:
    """[cell type, source, op, (flops, params)]: what each operator adds to the network cost (all cells of its type)."""
    def cost(red: int, src: int, op: str) -> tuple[float, float]:
        c = _edge_shape(bool(red), src, op, dataset).cost
        return c.flops, c.params

    return np.array([[[cost(red, src, o) for o in OPS] for src in range(6)] for red in (0, 1)], dtype=np.float64)


def skeleton_arrays(archs: Sequence[tuple], dataset: str) -> dict[str, np.ndarray]:
    """The :class:`~tgnas_naslib.spaces.skeletons.SkeletonTable` arrays of canonical genotypes of NASLib's seven
    operators (``((src, op) x 8, (src, op) x 8)``): graph 0 the stem, 1 the head, then each cell in each role."""
    n = len(archs)
    op_index = {o: i for i, o in enumerate(OPS)}
    flat = np.array([[(s, op_index[o]) for s, o in cell] for arch in archs for cell in arch],
                    dtype=np.int64).reshape(n, 2, 8, 2)
    vocab = _vocab(dataset)
    stem, head = _fixed_blocks(dataset)
    node_op, node_feats, edges, counts, ecounts, reads = [], [], [], [], [], []
    for block in (stem, head):
        node_op.append(np.array([vocab[t] for t in block.graph.ops], dtype=np.int64))
        node_feats.append(np.array(block.feats, dtype=np.float64).reshape(-1, 3))
        edges.append(np.array(block.graph.edges, dtype=np.int64).reshape(-1, 2))
        counts.append(np.array([len(block.graph.ops)]))
        ecounts.append(np.array([len(block.graph.edges)]))
    for role in ROLES:
        cells = flat[:, 1 if role[0] else 0]
        exists, text, feats, cell_edges, used0, used1 = _role_graphs(cells[..., 0], cells[..., 1], role, dataset)
        node_op.append(text[exists])
        node_feats.append(feats[exists])
        edges.append(cell_edges[:, 1:])
        counts.append(exists.sum(1))
        ecounts.append(np.bincount(cell_edges[:, 0], minlength=n))
        reads.append((used0, used1))  # which cell inputs each cell in this role reads
    counts_a, ecounts_a = np.concatenate(counts), np.concatenate(ecounts)
    edge_a = np.concatenate(edges)
    # entries: per architecture stem, its 8 cells, head
    graph_of_cell = np.array([2 + _ROLE_OF_CELL[k] * n for k in range(8)])  # + architecture
    entry_graph = np.empty((n, 10), dtype=np.int64)
    entry_graph[:, 0], entry_graph[:, 9] = 0, 1
    entry_graph[:, 1:9] = graph_of_cell[None, :] + np.arange(n)[:, None]
    flops = np.zeros((n, 10))
    params = np.zeros((n, 10))
    level = np.zeros((n, 10))
    flops[:, 0], params[:, 0], level[:, 0] = stem.flops, stem.params, stem.level
    flops[:, 9], params[:, 9], level[:, 9] = head.flops, head.params, head.level
    for k, pos in enumerate(_position_costs(dataset)):
        cells = flat[:, 1 if ROLES[_ROLE_OF_CELL[k]][0] else 0]
        r0, r1 = reads[_ROLE_OF_CELL[k]]
        f = np.zeros(n)  # summed in _cell_block's order: preprocessing 0, 1, then the operators
        p = np.zeros(n)
        f = f + np.where(r0, pos["pre0"][0], 0.0)
        p = p + np.where(r0, pos["pre0"][1], 0.0)
        f = f + np.where(r1, pos["pre1"][0], 0.0)
        p = p + np.where(r1, pos["pre1"][1], 0.0)
        for j in range(8):
            cost = pos["ops"][cells[:, j, 0], cells[:, j, 1]]
            f = f + cost[:, 0]
            p = p + cost[:, 1]
        flops[:, k + 1], params[:, k + 1], level[:, k + 1] = f, p, pos["level"][r0.astype(np.int64)]
    net = _network_op_costs(dataset)
    base = _skeleton(dataset)
    arch_f = np.full(n, base.flops)
    arch_p = np.full(n, base.params)
    for red in (0, 1):
        for j in range(8):
            cost = net[red, flat[:, red, j, 0], flat[:, red, j, 1]]
            arch_f = arch_f + cost[:, 0]
            arch_p = arch_p + cost[:, 1]
    return {"ops": np.array(_texts(dataset)), "graph_nodes": np.concatenate([[0], np.cumsum(counts_a)]),
            "graph_edges": np.concatenate([[0], np.cumsum(ecounts_a)]), "node_op": np.concatenate(node_op),
            "node_feats": np.concatenate(node_feats), "edge_src": edge_a[:, 0], "edge_dst": edge_a[:, 1],
            "arch_blocks": np.arange(0, 10 * (n + 1), 10), "entry_graph": entry_graph.reshape(-1),
            "entry_level": level.reshape(-1), "entry_flops": flops.reshape(-1), "entry_params": params.reshape(-1),
            "arch_cost": np.stack([arch_f, arch_p], 1).reshape(n, 2), "count": np.array(n), "digest": np.array(""),
            "probes": np.zeros(0, dtype=np.int64)}


def skeletons(space: Darts, archs: Sequence[tuple], dataset: str | None = None) -> list[Skeleton]:
    """The skeletons of many canonical genotypes as rows of one transient skeleton table (the scorer reads its
    arrays directly; tested equal to :meth:`Darts.skeleton`); a genotype with an operator outside NASLib's seven is
    built on its own."""
    from .skeletons import SkeletonTable

    dataset = space.check_dataset(dataset)
    known = [i for i, a in enumerate(archs) if all(op in _KNOWN for cell in a for _, op in cell)]
    out: list[Any] = [None] * len(archs)
    if known:
        table = SkeletonTable(space.name, skeleton_arrays([archs[i] for i in known], dataset), transient=True)
        for row, i in enumerate(known):
            out[i] = table.at_row(row)
    return [s if s is not None else space.generic_skeleton(a, dataset) for s, a in zip(out, archs)]
