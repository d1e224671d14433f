"""Hybrid search: pruning, then evolution with the rest of the budget; the better by TG-NAS score wins."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .base import SearchResult, finite_or_none, search_space
from .evolution import POPULATION, default_budget, evolution
from .prune import prune, prune_cost

if TYPE_CHECKING:
    from ..api import TGNAS


def hybrid(model: "TGNAS", space: Any = "nasbench201", budget: int | None = None, seed: int = 0) -> SearchResult:
    """Run :func:`prune` (its cost) and :func:`evolution` (the remaining budget) independently; return the better.

    ``n_scored`` is the sum of both; the default budget is the pruning cost plus evolution's default budget.
    """
    t0 = time.perf_counter()
    space = search_space(space)
    need = prune_cost(space)
    budget = need + default_budget(space) if budget is None else budget
    if budget < need + POPULATION:
        raise ValueError(f"hybrid search of {space.name} needs a budget of at least {need + POPULATION} "
                         f"(pruning scores up to {need}, evolution a population of {POPULATION}); got {budget}")
    pruned = prune(model, space, need, seed)  # refuses a model that cannot read supernets, before any scoring
    evolved = evolution(model, space, budget - pruned.n_scored, seed)
    best = evolved if evolved.score > pruned.score else pruned
    parts = {r.method: {"arch": r.arch_str, "score": finite_or_none(r.score), "n_scored": r.n_scored,
                        "seconds": round(r.seconds, 3)} for r in (pruned, evolved)}
    history = [{**h, "phase": "prune"} for h in pruned.history]
    history += [{**h, "phase": "evolution", "n_scored": h["n_scored"] + pruned.n_scored} for h in evolved.history]
    return SearchResult("hybrid", space.name, best.arch, best.score, pruned.n_scored + evolved.n_scored, budget, seed,
                        time.perf_counter() - t0, history,
                        {"winner": best.method, **parts,
                         "model_calls": pruned.details["model_calls"] + evolved.details["model_calls"]},
                        evolved.model)
