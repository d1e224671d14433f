"""Pruning search (TG-NAS v1): start from the supernet, drop per edge the operator whose removal costs least.

The supernet holds every operator on every edge; as a TG-NAS graph an edge with several operators is several
parallel op nodes (the adapter's ``edges_graph`` with several ``(a, b, op)`` triples for one edge), with ``none``
and ``skip_connect`` handled exactly as for single architectures, and every op counted in the network's cost.
Each round scores, for every edge still holding more than one operator and every operator on it, the supernet
with that operator removed, then removes on each edge the operator whose removal leaves the highest score
(ties: the lower op index). Rounds repeat until one operator per edge remains.

DARTS: the supernet is the DARTS one (every intermediate node fed by all its predecessors, 14 mixed edges per
cell, both cells pruned together, NASLib's 7 compact ops). After op pruning, each intermediate node keeps its
2 strongest incoming edges, as DARTS derives its genotype from the strongest op weight per edge. TG-NAS has no
op weights, so an edge's strength is what removing it (its one remaining op) costs: the score of the pruned
supernet minus the score without that edge (ties: the lower input node).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..errors import TGNASError
from ..graph import ArchGraph
from ..spaces import SearchSpace
from ..spaces.base import CellSpace
from ..spaces.darts import NUM_INTERMEDIATE
from .base import Scorer, SearchResult, history_entry, search_space

if TYPE_CHECKING:
    from ..api import TGNAS

_DARTS_CELL = 2 + NUM_INTERMEDIATE  # cell nodes: 2 inputs + 4 intermediate


@dataclass(frozen=True)
class Supernet:
    """A cell (or DARTS cell pair) whose edges can each hold any subset of the space's operators."""

    space: SearchSpace
    edges: tuple[tuple[int, int], ...]

    def graph(self, choice: Sequence[Sequence[int]], representation: str) -> ArchGraph:
        """The graph with op indices ``choice[e]`` on edge ``e`` (an empty choice removes the edge)."""
        ops = self.space.operators
        triples = [(a, b, ops[o]) for (a, b), held in zip(self.edges, choice) for o in held]
        return self.space.edges_graph(triples, representation)


def supernet(space: SearchSpace) -> Supernet:
    """The supernet of a supported space."""
    if isinstance(space, CellSpace):
        return Supernet(space, space.cell_edges)
    edges = tuple((src + off, node + off) for off in (0, _DARTS_CELL)
                  for node in range(2, _DARTS_CELL) for src in range(node))
    return Supernet(space, edges)


def prune_cost(space: Any) -> int:
    """The most architectures pruning scores in ``space`` (fewer when removals give equal graphs)."""
    net = supernet(search_space(space))
    n_ops, n_edges = len(net.space.operators), len(net.edges)
    cost = n_edges * sum(range(2, n_ops + 1)) + 1  # every round, then the final architecture
    if net.space.name == "nasbench301":
        cost += n_edges + 1  # the pruned supernet without each edge, and the pruned supernet itself
    return cost


def _score_all(scorer: Scorer, net: Supernet, graphs: list[ArchGraph]) -> np.ndarray:
    """Score supernet graphs; every one must fit in the budget."""
    scores = scorer.score_graphs(graphs)
    if np.isnan(scores).any():
        raise ValueError(f"the budget ({scorer.budget}) ran out during pruning; pruning {net.space.name} "
                         f"needs up to {prune_cost(net.space)}")
    return scores


def _apply_round(net: Supernet, choice: list[list[int]], cands: list[tuple[int, int]], scores: list[float],
                 representation: str) -> None:
    """Remove one op per edge: the one whose removal scored highest (ties: lower op index).

    Removals are scored one edge at a time but applied together, and together they could leave no input->output
    path (e.g. two edges each keeping only ``none``). So edges are settled in order of their best removal score,
    and a removal that would disconnect the supernet falls back to that edge's next best (removing ``none`` never
    disconnects, so there always is one).
    """
    ranked: dict[int, list[tuple[float, int]]] = {}
    for (e, o), s in zip(cands, scores):
        ranked.setdefault(e, []).append((s, o))
    for e in sorted(ranked, key=lambda e: (-max(s for s, _ in ranked[e]), e)):
        for _, o in sorted(ranked[e], key=lambda so: (-so[0], so[1])):
            left = [x for x in choice[e] if x != o]
            dead = all(net.space.operators[x] in net.space.none_ops for x in left)
            if not dead or net.graph(choice[:e] + [left] + choice[e + 1:], representation).is_connected:
                choice[e] = left
                break
        else:  # unreachable while the supernet is connected; kept as a guard
            raise AssertionError(f"every removal on edge {net.edges[e]} disconnects the supernet")


def _prune_ops(scorer: Scorer, net: Supernet) -> tuple[list[int], list[dict]]:
    """Round by round, remove on every edge the op whose removal scores highest; returns one op per edge."""
    choice = [list(range(len(net.space.operators))) for _ in net.edges]
    history = []
    best = -np.inf
    while any(len(held) > 1 for held in choice):
        cands = [(e, o) for e, held in enumerate(choice) if len(held) > 1 for o in held]
        graphs = [net.graph([[x for x in held if not (i == e and x == o)] for i, held in enumerate(choice)],
                            scorer.representation) for e, o in cands]
        scores = _score_all(scorer, net, graphs)
        _apply_round(net, choice, cands, scores.tolist(), scorer.representation)
        best = max(best, float(scores.max()))
        history.append(history_entry(len(history) + 1, scores, best, scorer.n_scored))
    assert all(len(held) == 1 for held in choice), choice
    return [held[0] for held in choice], history


def _darts_arch(scorer: Scorer, net: Supernet, ops: list[int]) -> tuple[tuple, dict]:
    """Keep each intermediate node's 2 strongest incoming edges (strength = score lost without the edge)."""
    full = [[o] for o in ops]
    graphs = [net.graph(full, scorer.representation)]
    graphs += [net.graph(full[:e] + [[]] + full[e + 1:], scorer.representation) for e in range(len(net.edges))]
    scores = _score_all(scorer, net, graphs)
    strength = scores[0] - scores[1:]
    names = net.space.operators
    cells = []
    for off in (0, _DARTS_CELL):
        cell = []
        for node in range(2, _DARTS_CELL):
            incoming = [e for e, (a, b) in enumerate(net.edges) if b == node + off]
            keep = sorted(incoming, key=lambda e: (-strength[e], net.edges[e][0]))[:2]
            cell += sorted((net.edges[e][0] - off, names[ops[e]]) for e in keep)
        cells.append(tuple(cell))
    return tuple(cells), {"supernet_score": float(scores[0]), "edge_strength": [round(float(s), 6) for s in strength]}


def prune_search(scorer: Scorer) -> tuple[Any, float, list[dict], dict]:
    """Prune ``scorer.space``'s supernet; returns (architecture, its score, history, details)."""
    net = supernet(scorer.space)
    ops, history = _prune_ops(scorer, net)
    details: dict = {"ops_per_edge": [net.space.operators[o] for o in ops]}
    if net.space.name == "nasbench301":
        arch, extra = _darts_arch(scorer, net, ops)
        details.update(extra)
    else:
        arch = tuple(ops)
    arch = net.space.canonical(arch)
    assert net.space.to_graph(arch, scorer.representation).is_connected, arch
    score = scorer.score([arch])[0]
    if np.isnan(score):
        raise ValueError(f"the budget ({scorer.budget}) ran out before the pruned architecture was scored")
    return arch, float(score), history, details


class SupernetError(TGNASError, ValueError):
    """Pruning was asked of a model that cannot read supernets (a user error: one line)."""


def check_reads_supernets(scorer: Scorer) -> None:
    """Pruning scores supernets (cells with several operators per edge): only a cell-graph model reads them. A
    whole-network model (the default bundle's members) would score them as networks no benchmark builds."""
    if scorer.representation in ("network", "skeleton"):
        info = scorer.model_info
        raise SupernetError(
            f"prune and hybrid score supernets (cells with every operator on every edge), which {info['member']} "
            f"(of {info['model']}) cannot read: it reads whole networks ({scorer.representation} graphs), and no "
            "network has several operators per edge; use --checkpoint nb101 (cell graphs; zero-shot outside NB101) "
            "or --method evolution / random")


def prune(model: "TGNAS", space: Any = "nasbench201", budget: int | None = None, seed: int = 0) -> SearchResult:
    """Pruning search (deterministic: ``seed`` is recorded only); ``budget`` must cover :func:`prune_cost`."""
    t0 = time.perf_counter()
    space = search_space(space)
    need = prune_cost(space)
    budget = need if budget is None else budget
    if budget < need:
        raise ValueError(f"pruning {space.name} scores up to {need} architectures; budget {budget} is too small")
    scorer = Scorer(model, space, budget)
    check_reads_supernets(scorer)
    arch, score, history, details = prune_search(scorer)
    details["model_calls"] = scorer.calls
    return SearchResult("prune", space.name, arch, score, scorer.n_scored, budget, seed,
                        time.perf_counter() - t0, history, details, scorer.model_info)
