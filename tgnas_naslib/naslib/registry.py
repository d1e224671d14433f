"""Make TG-NAS a name NASLib resolves (applied on ``import tgnas_naslib.naslib``; idempotent).

* zero-cost measure ``tgnas`` in NASLib's measure registry (``copy_net=False``: the measure receives the
  NASLib graph itself, no network copy, and ignores the data batch) -> ``ZeroCost("tgnas").query(graph,
  dataloader)`` and Bananas ``zc_names: [tgnas]`` work unchanged;
* :class:`TGNASEnsemble`: NASLib's ``Ensemble`` that also knows ``predictor_type: tgnas``;
* :class:`TGNASBananas`: NASLib's ``Bananas`` that builds a :class:`TGNASEnsemble` (Bananas looks
  ``Ensemble`` up in its own module, so the subclass overrides ``_get_ensemble``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from naslib.optimizers.discrete.bananas.optimizer import Bananas
from naslib.predictors.ensemble import Ensemble
from naslib.predictors.utils.pruners import measures

from .predictor import FAILED, TGNASPredictor, pretrained_model

__all__ = ["MEASURE_NAME", "TGNASBananas", "TGNASEnsemble", "register", "tgnas_measure"]

MEASURE_NAME = "tgnas"


def tgnas_measure(net, inputs=None, targets=None, loss_fn=None, split_data=1, **_):
    """The ``tgnas`` zero-cost measure: the TG-NAS score of the NASLib graph ``net`` (data unused).

    Returns a one-element list of tensors (NASLib's ``find_measures`` sums the list); a disconnected
    architecture gives ``-1e8`` like any failed NASLib proxy.
    """
    score = TGNASPredictor(model=pretrained_model()).query(net)
    if not math.isfinite(score):
        score = FAILED
    return [torch.tensor(score, dtype=torch.float64)]


def register() -> bool:
    """Register the ``tgnas`` measure (no-op when already registered). Returns True if it was added now."""
    if MEASURE_NAME in measures._measure_impls:
        return False
    measures.measure(MEASURE_NAME, bn=False, copy_net=False, force_clean=False)(tgnas_measure)
    return True


class TGNASEnsemble(Ensemble):
    """``Ensemble`` with ``predictor_type: tgnas`` (zero-shot unless ``config.search.tgnas_zero_shot`` is False).

    Every member shares the read-only pretrained model, so ``num_ensemble`` copies cost nothing; in
    zero-shot mode the members agree and the ensemble's spread (used by ITS/UCB acquisitions) is zero.
    """

    def get_ensemble(self):
        if self.predictor_type != MEASURE_NAME:
            return super().get_ensemble()
        search = getattr(self.config, "search", None) if self.config is not None else None
        zero_shot = bool(getattr(search, "tgnas_zero_shot", True)) if search is not None else True
        epochs = int(getattr(search, "tgnas_epochs", 50)) if search is not None else 50
        seed = int(getattr(search, "seed", 0)) if search is not None else 0
        return [TGNASPredictor(ss_type=self.ss_type, zero_shot=zero_shot, epochs=epochs, seed=seed + i)
                for i in range(self.num_ensemble)]

    def query(self, xtest, info=None):
        if self.predictor_type != MEASURE_NAME:
            return super().query(xtest, info)
        if self.ensemble is None:
            self.ensemble = self.get_ensemble()
        return np.array([m.query(xtest, info) for m in self.ensemble])


class TGNASBananas(Bananas):
    """NASLib's Bananas whose ensemble also accepts ``predictor_type: tgnas``."""

    def _get_ensemble(self):
        return TGNASEnsemble(num_ensemble=self.num_ensemble, ss_type=self.ss_type,
                             predictor_type=self.predictor_type, zc=self.zc, zc_only=self.zc_only,
                             config=self.config)


register()
