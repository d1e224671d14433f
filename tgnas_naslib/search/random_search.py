"""Random search baseline: score ``budget`` distinct uniformly sampled architectures with TG-NAS, keep the best.

It never sees ground truth: like the other searchers it only ranks by TG-NAS score.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import Scorer, SearchResult, history_entry, search_space
from .evolution import default_budget

if TYPE_CHECKING:
    from ..api import TGNAS


def random_search(model: "TGNAS", space: Any = "nasbench201", budget: int | None = None, seed: int = 0) -> SearchResult:
    """Sample distinct architectures uniformly (``space.random``) until ``budget``, score them in one batch."""
    t0 = time.perf_counter()
    space = search_space(space)
    budget = default_budget(space) if budget is None else budget
    scorer = Scorer(model, space, budget)
    rng = np.random.default_rng(seed)
    want = min(budget, space.size() or budget)
    seen: dict[Any, None] = {}
    for _ in range(100 * want):  # a cap: the sampler may keep repeating in a small space
        if len(seen) == want:
            break
        seen.setdefault(space.canonical(space.random(rng)), None)
    scores = scorer.score(list(seen))
    arch, score = scorer.best()
    return SearchResult("random", space.name, arch, score, scorer.n_scored, budget, seed,
                        time.perf_counter() - t0, [history_entry(1, scores, score, scorer.n_scored)],
                        {"model_calls": scorer.calls}, scorer.model_info)
