"""``TGNASEvolution``: TG-NAS Algorithm 1 as a NASLib ``MetaOptimizer`` that NASLib's ``Trainer`` drives.

One Trainer epoch = one generation of the standalone search's differential evolution
(:mod:`tgnas_naslib.search.evolution`, reused here: the continuous encoding that decodes every vector to a
valid cell, DE/rand/1 mutation, binomial crossover, elitist selection). Fitness is the TG-NAS score only:
no architecture is trained and no benchmark is queried during the search. With a ``dataset_api``
``train_statistics`` reports the incumbent's benchmark accuracies (as NASLib's optimizers do; the offline api
answers NaN for what the data lacks); without one it reports NaN ("not available", never NASLib's -1
placeholder), so the search runs on any NB201 / DARTS (nasbench301) / TNB101-micro space. Every generation logs
the TG-NAS score of its best architecture (and the population mean) to NASLib's log.

config.search keys: ``seed``, ``epochs`` (generations + 1), ``population_size`` (20), ``F`` (0.5),
``CR`` (0.5).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch
from naslib.optimizers.core.metaclasses import MetaOptimizer
from naslib.search_spaces.core.query_metrics import Metric
from naslib.utils import count_parameters_in_MB

from tgnas_naslib.search.encoding import encoding_for
from tgnas_naslib.search.evolution import CR as DEFAULT_CR
from tgnas_naslib.search.evolution import POPULATION, _trials
from tgnas_naslib.search.evolution import F as DEFAULT_F
from tgnas_naslib.spaces import NASLIB, SEARCH, get_space, supporting

from .predictor import configured_model, naslib_scores

__all__ = ["TGNASEvolution"]

logger = logging.getLogger("naslib.tgnas.evolution")
NAN = float("nan")

#: NASLib spaces the evolution supports (those with a continuous encoding in tgnas_naslib.search)
SUPPORTED: tuple[str, ...] = supporting(NASLIB, SEARCH)


def _get(cfg: Any, name: str, default: Any) -> Any:
    value = getattr(cfg, name, None) if cfg is not None else None
    return default if value is None else value


class TGNASEvolution(MetaOptimizer):
    """Differential evolution over TG-NAS scores (Algorithm 1 of the TG-NAS paper), NASLib-style."""

    using_step_function = False

    def __init__(self, config: Any, model: Any = None):
        super().__init__()
        self.config = config
        search = getattr(config, "search", None)
        self.epochs = int(_get(search, "epochs", 100))
        self.population_size = int(_get(search, "population_size", POPULATION))
        self.f = float(_get(search, "F", DEFAULT_F))
        self.cr = float(_get(search, "CR", DEFAULT_CR))
        self.seed = int(_get(search, "seed", _get(config, "seed", 0)))
        self.dataset = _get(config, "dataset", "cifar10")
        self.performance_metric = Metric.VAL_ACCURACY
        self._model = model
        self.rng = np.random.default_rng(self.seed)
        self.pop: np.ndarray | None = None
        self.fit: np.ndarray | None = None
        self.cache: dict[Any, float] = {}  # canonical arch -> NASLib-style score (-1e8 for disconnected)
        self.best_arch: Any = None
        self.best_score = -np.inf
        self.trajectory: list[dict] = []
        self.history = torch.nn.ModuleList()  # incumbents (torch.nn.Module with .arch, .score), checkpointed
        self._best_graph = None

    @property
    def model(self):
        if self._model is None:
            self._model = configured_model()
        return self._model

    # -- NASLib hooks --------------------------------------------------------------------------------------
    def adapt_search_space(self, search_space: Any, scope: str | None = None, dataset_api: Any = None):
        ss_type = search_space.get_type()
        if ss_type not in SUPPORTED:
            raise ValueError(f"TGNASEvolution supports {', '.join(SUPPORTED)}, not {ss_type!r}")
        self.search_space = search_space.clone()
        self.search_space.instantiate_model = False  # incumbents only need their spec
        self.ss_type = ss_type
        self.space = get_space(ss_type)
        self.encoding = encoding_for(self.space)
        self.dataset_api = dataset_api
        self.scope = scope

    def _score(self, vectors: np.ndarray) -> np.ndarray:
        archs = [self.encoding.decode(v) for v in vectors]
        new = [a for a in dict.fromkeys(archs) if a not in self.cache]
        if new:
            for a, s in zip(new, naslib_scores(self.model.score(new, space=self.ss_type))):
                self.cache[a] = float(s)
        scores = np.array([self.cache[a] for a in archs])
        i = int(np.argmax(scores))
        if scores[i] > self.best_score:
            self.best_score, self.best_arch, self._best_graph = float(scores[i]), archs[i], None
        return scores

    def new_epoch(self, epoch: int):
        if self.pop is None:
            self.pop = self.rng.random((self.population_size, self.encoding.n_dims))
            self.fit = self._score(self.pop)
        else:
            trials = _trials(self.pop, self.rng, self.f, self.cr)
            trial_fit = self._score(trials)
            take = trial_fit >= self.fit
            self.pop[take], self.fit[take] = trials[take], trial_fit[take]
        if self._best_graph is None:  # a new incumbent this generation: one NASLib graph per epoch at most
            entry = torch.nn.Module()
            entry.arch = self._best_graph = self._graph(self.best_arch)
            entry.score = self.best_score
            self.history.append(entry)
        self.trajectory.append({"epoch": int(epoch), "best": self.best_score, "mean": float(np.mean(self.fit)),
                                "n_scored": len(self.cache)})
        gen_best = int(np.argmax(self.fit))
        logger.info("TG-NAS generation %d: best score %.4f (%s), population mean %.4f; best so far %.4f; %d archs "
                    "scored", epoch, float(self.fit[gen_best]),
                    self.space.format(self.encoding.decode(self.pop[gen_best])),
                    float(np.mean(self.fit)), self.best_score, len(self.cache))

    def _spec(self, arch: Any) -> Any:
        """The NASLib ``set_spec`` argument for a canonical architecture of the core adapter."""
        if self.ss_type == "nasbench301":
            return self.space.compact(arch)
        return tuple(arch)

    def _graph(self, arch: Any):
        graph = self.search_space.clone()
        graph.set_spec(self._spec(arch))
        return graph

    def get_final_architecture(self):
        """The NASLib graph of the best-scoring architecture found."""
        if self.best_arch is None:
            raise RuntimeError("no architecture scored yet: run at least one epoch")
        if self._best_graph is None:
            self._best_graph = self._graph(self.best_arch)
        return self._best_graph

    def train_statistics(self, report_incumbent: bool = True):
        if self.dataset_api is None or self.best_arch is None:
            return NAN, NAN, NAN, NAN  # not available: no benchmark to ask
        g = self.get_final_architecture()
        q = lambda m: g.query(m, self.dataset, dataset_api=self.dataset_api)  # noqa: E731
        return (q(Metric.TRAIN_ACCURACY), q(Metric.VAL_ACCURACY), q(Metric.TEST_ACCURACY),
                q(Metric.TRAIN_TIME))

    def test_statistics(self):
        if self.dataset_api is None or self.best_arch is None:
            return None
        return self.get_final_architecture().query(Metric.RAW, self.dataset, dataset_api=self.dataset_api)

    def get_op_optimizer(self):
        raise NotImplementedError()

    def get_checkpointables(self):
        return {"model": self.history}

    def get_model_size(self):
        return count_parameters_in_MB(self.history)
