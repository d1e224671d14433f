"""TG-NAS Algorithm 1: differential evolution over continuous configurations, fitness = TG-NAS score.

Each individual is a vector in [0, 1]^d (see :mod:`.encoding`) that decodes to one valid architecture. Per
generation every target gets a trial: mutant ``a + F (b - c)`` (a, b, c three other individuals), binomial
crossover with rate ``CR`` (at least one gene from the mutant), clipped to [0, 1]; the whole generation is
scored in one batch and a trial replaces its target when it scores at least as well (elitist; ties move, so
the population drifts over the plateaus that discretisation creates). Defaults are the DE-NAS ones
(Awad et al., 2020: population 20, F = 0.5, CR = 0.5), not tuned on benchmark accuracies.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import Scorer, SearchResult, history_entry, search_space
from .encoding import encoding_for

if TYPE_CHECKING:
    from ..api import TGNAS

#: architectures scored by default (NB201 has 15,625, TNB-micro 4,096; DARTS ~1e18). Chosen on TG-NAS score and
#: speed only: on NB201 (seeds 100-119) 500 -> 1000 raised the share of runs reaching the TG-NAS optimum from
#: 35% to 45% in ~1 s; 2000 added nothing (runs converge first)
DEFAULT_BUDGET = {"nasbench201": 1000, "transbench101_micro": 300, "nasbench301": 1000}
POPULATION, F, CR = 20, 0.5, 0.5
#: stop after this many generations in a row that found no new architecture (the population has converged)
PATIENCE = 10


def default_budget(space: Any) -> int:
    """The default number of architectures evolution (and random search) scores in ``space``."""
    return DEFAULT_BUDGET[search_space(space).name]


def _trials(pop: np.ndarray, rng: np.random.Generator, f: float, cr: float) -> np.ndarray:
    """DE/rand/1/bin: one trial vector per target."""
    n, d = pop.shape
    out = np.empty_like(pop)
    for i in range(n):
        a, b, c = rng.choice(np.delete(np.arange(n), i), size=3, replace=False)
        mutant = np.clip(pop[a] + f * (pop[b] - pop[c]), 0.0, 1.0)
        cross = rng.random(d) < cr
        cross[rng.integers(d)] = True
        out[i] = np.where(cross, mutant, pop[i])
    return out


def evolve(scorer: Scorer, rng: np.random.Generator, population: int = POPULATION, f: float = F, cr: float = CR,
           generations: int | None = None, patience: int = PATIENCE) -> list[dict]:
    """Run DE on ``scorer`` until its budget, ``generations`` or convergence; returns the per-generation history."""
    if not 0 < f <= 2 or not 0 <= cr <= 1:
        raise ValueError(f"need 0 < F <= 2 and 0 <= CR <= 1, got F={f}, CR={cr}")
    encoding = encoding_for(scorer.space)
    size = min(population, scorer.remaining)
    if size < 4:
        raise ValueError(f"evolution needs a population of at least 4 (population={population}, budget left "
                         f"{scorer.remaining})")
    pop = rng.random((size, encoding.n_dims))
    fit = scorer.score([encoding.decode(v) for v in pop])
    history = [history_entry(0, fit, scorer.best()[1], scorer.n_scored)]
    gen, stale = 0, 0
    while scorer.remaining > 0 and stale < patience and (generations is None or gen < generations):
        gen += 1
        trials = _trials(pop, rng, f, cr)
        before = scorer.n_scored
        trial_fit = scorer.score([encoding.decode(v) for v in trials])  # NaN: not scored, budget spent
        take = trial_fit >= fit
        pop[take], fit[take] = trials[take], trial_fit[take]
        stale = stale + 1 if scorer.n_scored == before else 0
        history.append(history_entry(gen, fit, scorer.best()[1], scorer.n_scored))
    return history


def evolution(model: "TGNAS", space: Any = "nasbench201", budget: int | None = None, seed: int = 0,
              population: int = POPULATION, f: float = F, cr: float = CR,
              generations: int | None = None) -> SearchResult:
    """Search ``space`` by differential evolution on TG-NAS scores, scoring at most ``budget`` architectures."""
    t0 = time.perf_counter()
    space = search_space(space)
    budget = default_budget(space) if budget is None else budget
    scorer = Scorer(model, space, budget)
    history = evolve(scorer, np.random.default_rng(seed), population, f, cr, generations)
    arch, score = scorer.best()
    return SearchResult("evolution", space.name, arch, score, scorer.n_scored, budget, seed,
                        time.perf_counter() - t0, history,
                        {"population": population, "F": f, "CR": cr, "generations": len(history) - 1,
                         "model_calls": scorer.calls}, scorer.model_info)
