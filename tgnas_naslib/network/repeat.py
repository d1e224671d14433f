"""Collapsing repeated blocks: a stage of N identical cells becomes one cell whose nodes count ``instances``.

A *cut* is a node that every input->output path passes (with nodes in execution order: no edge jumps over it).
The nodes after one cut up to and including the next form a *block*. Consecutive identical blocks (same operators,
shapes and wiring) are collapsed into the first copy: its nodes' ``instances``, FLOPs and parameters are multiplied
by the number of copies, and whatever followed the last copy now follows the first. Runs of a repeated sequence of
blocks (a cell that itself holds several blocks, repeated N times) collapse the same way: at each position the
longest-covering repeat is taken (the shortest period on a tie), and the kept copy is collapsed again inside.

This is what lets one architecture graph stand for a whole network at the size of its distinct parts, the same
whichever way the network came in (a traced module or a space adapter).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from ..graph import INPUT, OUTPUT, ArchGraph
from ..shapes import NodeShape


def cuts(num_nodes: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of the nodes every path from node 0 to the last node passes (nodes in topological order)."""
    reach = [0] * num_nodes  # reach[i]: the furthest target of an edge leaving a node at or before i
    for a, b in edges:
        if b > reach[a]:
            reach[a] = b
    out = []
    furthest = 0
    for i in range(num_nodes):
        if furthest <= i:
            out.append(i)
        furthest = max(furthest, reach[i])
    return out


def _tandem(seq: Sequence[int], start: int, stop: int, mult: int, plan: list[tuple[int, int, int, int]]) -> None:
    """Decide the collapse of ``seq[start:stop]`` (block signature ids): append (first, period, copies, multiplicity)
    for every kept run (copies 1 = a block kept as it is)."""
    i = start
    while i < stop:
        best_p, best_k = 1, 1
        for p in range(1, (stop - i) // 2 + 1):
            k = 1
            while i + (k + 1) * p <= stop and seq[i + k * p:i + (k + 1) * p] == seq[i:i + p]:
                k += 1
            if k > 1 and k * p > best_k * best_p:
                best_p, best_k = p, k
        if best_k == 1:
            plan.append((i, 1, 1, mult))
            i += 1
            continue
        if best_p == 1:
            plan.append((i, 1, best_k, mult * best_k))
        else:
            _tandem(seq, i, i + best_p, mult * best_k, plan)  # the kept copy, collapsed again inside
            plan.append((i, best_p, best_k, 0))  # marker: the copies after the first are dropped
        i += best_k * best_p


def collapse_repeats(graph: ArchGraph, names: Sequence[str] | None = None) -> tuple[ArchGraph, tuple[str, ...]]:
    """The graph with consecutive identical blocks collapsed (see the module docstring); ``names`` follow their
    nodes. Graphs without a single input node or without repeats come back unchanged."""
    n = graph.num_nodes
    names = tuple(names) if names is not None else tuple(str(i) for i in range(n))
    if graph.shapes is None or not graph.is_connected or graph.ops[0] != INPUT or graph.ops[-1] != OUTPUT \
            or graph.ops.count(INPUT) != 1:
        return graph, names
    cut = cuts(n, graph.edges)
    if len(cut) < 3:  # at most one block (DARTS networks: every cell also reads the one before last)
        return graph, names
    preds: list[list[int]] = [[] for _ in range(n)]
    for a, b in graph.edges:
        preds[b].append(a)
    # block j = nodes cut[j]+1 .. cut[j+1]; its signature: every node's op, shape and predecessors (relative)
    intern: dict[tuple, int] = {}
    seq: list[int] = []
    for j in range(len(cut) - 1):
        lo, hi = cut[j], cut[j + 1]
        sig = tuple((graph.ops[v], graph.shapes[v], tuple(sorted(p - lo for p in preds[v])))
                    for v in range(lo + 1, hi + 1))
        seq.append(intern.setdefault(sig, len(intern)))
    if len(set(seq)) == len(seq):
        return graph, names
    plan: list[tuple[int, int, int, int]] = []
    _tandem(seq, 0, len(seq), 1, plan)
    mult = [1] * n
    dropped = [False] * n
    redirect: dict[int, int] = {}
    for first, period, copies, m in plan:
        if m:  # a kept block (first of `copies`, period 1) with its multiplicity
            for v in range(cut[first] + 1, cut[first + 1] + 1):
                mult[v] = m
        if copies > 1:  # drop copies 2.. and let the last copy's exit be the first copy's
            first_exit = cut[first + period]
            last_exit = cut[first + copies * period]
            for v in range(first_exit + 1, last_exit + 1):
                dropped[v] = True
            redirect[last_exit] = first_exit
    keep = [v for v in range(n) if not dropped[v]]
    index = {v: i for i, v in enumerate(keep)}

    def target(u: int) -> int:
        while u in redirect:
            u = redirect[u]
        return index[u]

    edges = sorted({(target(u), index[v]) for v in keep for u in preds[v]})
    shapes: list[NodeShape] = []
    for v in keep:
        s = graph.shapes[v]
        m = mult[v]
        shapes.append(s if m == 1 else replace(s, flops=s.flops * m, params=s.params * m, instances=s.instances * m))
    ops = tuple(graph.ops[v] for v in keep)
    out = ArchGraph._trusted(ops, tuple(edges), graph.space, tuple(shapes), graph.cost, kind=graph.kind)
    return out, tuple(names[v] for v in keep)
