"""What every searcher shares: the budgeted, caching TG-NAS scorer and the search result."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Hashable, Sequence

import numpy as np

from ..graph import ArchGraph
from ..spaces import SEARCH, SearchSpace, get_space, supporting, to_graph
from ..threads import torch_threads

if TYPE_CHECKING:
    from ..api import TGNAS

#: spaces the searchers support (cell spaces with operators on edges)
SEARCH_SPACES: tuple[str, ...] = supporting(SEARCH)
#: torch threads while scoring: search scores small batches, where intra-op threads only add synchronisation
#: (measured on 2 shared cores: evolution on NB201 0.4 s with 1 thread, 9-13 s with 2; DARTS pruning 9 s vs 21 s)
SCORING_THREADS = 1


def search_space(name: str | SearchSpace) -> SearchSpace:
    """Resolve a space name/alias to its adapter, or raise one clear error if search does not support it."""
    space = name if isinstance(name, SearchSpace) else get_space(name)
    if space.name not in SEARCH_SPACES:
        raise ValueError(f"search does not support the space {space.name!r}; supported: {', '.join(SEARCH_SPACES)} "
                         "(darts = nasbench301)")
    return space


def finite_or_none(value: float) -> float | None:
    """A JSON-safe score: None for -inf (disconnected) / NaN."""
    return float(value) if math.isfinite(value) else None


class Scorer:
    """TG-NAS scores with a budget: each distinct key (canonical arch or supernet graph) is scored once and counts
    once against ``budget``; re-visits are free. One model call per :meth:`score` / :meth:`score_graphs`."""

    def __init__(self, model: "TGNAS", space: SearchSpace, budget: int) -> None:
        from .. import checks

        budget = checks.integer("budget", budget, 1)  # 0, negative, a float or NaN: one line naming it
        self.model = model
        self.space = space
        self.budget = int(budget)
        self.representation = model.scoring_model(space.name).config.representation
        #: which model member scored and how its scores read here (every search result names it)
        self.model_info = model.describe(space.name)
        self.arch_scores: dict[Any, float] = {}  # canonical arch -> score, in the order first scored
        self.graph_scores: dict[ArchGraph, float] = {}  # supernet graphs (pruning)
        self.calls = 0

    @property
    def n_scored(self) -> int:
        """Distinct architectures (and supernets) scored so far."""
        return len(self.arch_scores) + len(self.graph_scores)

    @property
    def remaining(self) -> int:
        """Budget left."""
        return self.budget - self.n_scored

    def score(self, archs: Sequence[Any]) -> np.ndarray:
        """Scores of canonical architectures; NaN for new ones beyond the budget (they were not scored)."""
        return self._score(archs, self.arch_scores,
                           lambda a: to_graph(a, self.space.name, self.representation))

    def score_graphs(self, graphs: Sequence[ArchGraph]) -> np.ndarray:
        """Scores of ready graphs (supernets), budgeted and cached like :meth:`score`."""
        return self._score(graphs, self.graph_scores, lambda g: g)

    def _score(self, keys: Sequence[Hashable], cache: dict, graph_of: Callable[[Any], ArchGraph]) -> np.ndarray:
        new: dict[Hashable, None] = {}
        for k in keys:
            if k not in cache and k not in new and len(new) < self.remaining:
                new[k] = None
        if new:
            self.calls += 1
            graphs = [graph_of(k) for k in new]
            with torch_threads(SCORING_THREADS):
                scores = self.model.score_graphs(graphs)
            cache.update(zip(new, scores.tolist()))
        return np.array([cache.get(k, np.nan) for k in keys], dtype=np.float64)

    def best(self) -> tuple[Any, float]:
        """The best architecture scored so far (first scored wins ties) and its score."""
        if not self.arch_scores:
            raise ValueError("no architecture has been scored")
        arch = max(self.arch_scores, key=self.arch_scores.__getitem__)  # max keeps the first of equals
        return arch, self.arch_scores[arch]


@dataclass
class SearchResult:
    """The found architecture (canonical encoding), its TG-NAS score and how the search got there."""

    method: str
    space: str
    arch: Any
    score: float
    n_scored: int
    budget: int
    seed: int
    seconds: float = 0.0
    #: one entry per generation / pruning round: {"step", "best", "mean", "n_scored"}
    history: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    #: the model that scored: {model, member, evaluation (zero-shot / in-family), trained_on}
    model: dict = field(default_factory=dict)

    @property
    def arch_str(self) -> str:
        """The architecture in the space's own notation (NB201 string, DARTS Genotype, TNB cell string)."""
        return get_space(self.space).format(self.arch)

    def to_dict(self) -> dict:
        """A JSON-ready dict; ``encoding`` is NASLib's (op-index tuple; DARTS: the compact encoding)."""
        adapter = get_space(self.space)
        encoding = adapter.compact(self.arch) if hasattr(adapter, "compact") else self.arch
        return {"method": self.method, "space": self.space, "arch": self.arch_str, "encoding": encoding,
                "score": finite_or_none(self.score), "n_scored": self.n_scored, "budget": self.budget,
                "seed": self.seed, "seconds": round(self.seconds, 3), "model": self.model,
                "history": self.history, "details": self.details}


def history_entry(step: int, scores: np.ndarray, best: float, n_scored: int) -> dict:
    """One history row: best score so far, mean of the finite current scores, architectures scored so far."""
    live = scores[np.isfinite(scores)]
    mean = finite_or_none(float(live.mean())) if live.size else None
    return {"step": step, "best": finite_or_none(best), "mean": mean, "n_scored": n_scored}
