"""Architecture search driven by TG-NAS scores (no training, no ground truth).

>>> from tgnas_naslib import TGNAS
>>> from tgnas_naslib.search import search
>>> result = search("evolution", TGNAS.pretrained(), "nasbench201", seed=0)  # doctest: +SKIP
>>> result.arch_str, result.score, result.n_scored                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .. import checks
from .base import SEARCH_SPACES, Scorer, SearchResult
from .evolution import default_budget, evolution
from .hybrid import hybrid
from .prune import prune, prune_cost
from .random_search import random_search

if TYPE_CHECKING:
    from ..api import TGNAS

#: method name -> searcher ``(model, space, budget=None, seed=0) -> SearchResult``
SEARCHERS: dict[str, Callable[..., SearchResult]] = {
    "evolution": evolution,
    "prune": prune,
    "hybrid": hybrid,
    "random": random_search,
}


def search(method: str, model: "TGNAS", space: Any = "nasbench201", budget: int | None = None,
           seed: int = 0) -> SearchResult:
    """Run the named searcher; ``budget`` = most architectures scored (None: the method's default)."""
    if method not in SEARCHERS:
        raise ValueError(f"unknown search method {method!r}; choose from {', '.join(SEARCHERS)}")
    seed = checks.seed("seed", seed)  # numpy's generators refuse a negative or huge seed in words naming no option
    if not callable(getattr(model, "scoring_model", None)):
        raise checks.ArgumentTypeError(f"model must be a TG-NAS model (TGNAS.pretrained()), not "
                                       f"{type(model).__name__}")
    return SEARCHERS[method](model, space, budget=budget, seed=seed)


__all__ = ["SEARCHERS", "SEARCH_SPACES", "Scorer", "SearchResult", "search", "evolution", "prune", "hybrid",
           "random_search", "default_budget", "prune_cost"]
