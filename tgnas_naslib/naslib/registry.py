"""Make TG-NAS a name NASLib resolves (applied on ``import tgnas_naslib.naslib``; idempotent).

* the fused measures ``tgnas_<proxy>[_<proxy>]`` (``tgnas_nwot`` ...: :mod:`.fused`, the rule in
  :mod:`tgnas_naslib.fusion`), every valid combination, in the same registry;
* zero-cost measure ``tgnas`` in NASLib's measure registry (``copy_net=False``: the measure receives the
  NASLib graph itself, no network copy, and ignores the data batch) -> ``ZeroCost("tgnas").query(graph,
  dataloader)`` and Bananas ``zc_names: [tgnas]`` work unchanged;
* NASLib's own ``Ensemble`` learns ``predictor_type: tgnas`` (so NASLib's Bananas / Npenas take it; the name
  :data:`TGNASEnsemble` is kept for it); NASLib scripts whose predictor / optimizer table is a script-local
  dict refuse ``tgnas`` in one line that says what to run instead;
* :class:`TGNASBananas`: NASLib's ``Bananas`` that logs the TG-NAS score of each epoch's incumbent;
* ``ZeroCost("tgnas").query(graph, dataloader)`` scores without pulling a batch from the loader (TG-NAS is
  data-free, so it also runs where NASLib has no images for the dataset);
* result files of NASLib's evaluators and Trainer record the offline data that produced them
  (:mod:`.provenance`).
"""

from __future__ import annotations

import functools
import logging
import math

import numpy as np
import torch
from naslib.optimizers.discrete.bananas.optimizer import Bananas
from naslib.predictors import ZeroCost
from naslib.predictors.ensemble import Ensemble
from naslib.predictors.utils.pruners import measures

from ..errors import TGNASError
from ..names import FINETUNE_EPOCHS
from . import provenance
from .compat._marker import is_ours
from .compat._rebind import mark_replacement
from .compat.hashes import zc_key
from .fused import register_fused
from .predictor import FAILED, TGNASPredictor, configured_model

logger = logging.getLogger("naslib.tgnas")

__all__ = ["MEASURE_NAME", "TGNASBananas", "TGNASEnsemble", "register", "tgnas_measure"]

MEASURE_NAME = "tgnas"


def tgnas_measure(net, inputs=None, targets=None, loss_fn=None, split_data=1, **_):
    """The ``tgnas`` zero-cost measure: the TG-NAS score of the NASLib graph ``net`` (data unused).

    Returns a one-element list of tensors (NASLib's ``find_measures`` sums the list); a disconnected
    architecture gives ``-1e8`` like any failed NASLib proxy.
    """
    model = configured_model()
    _announce(model, net)
    score = TGNASPredictor(model=model).query(net)
    if not math.isfinite(score):
        score = FAILED
    return [torch.tensor(score, dtype=torch.float64)]


_announced: set[tuple] = set()


def _announce(model, net) -> None:
    """Log which member scores and whether zero-shot or in-family, once per model, space and log destination (a run
    of the project runner opens a log.log of its own: it gets the line too)."""
    space = net.get_type() if hasattr(net, "get_type") else None
    key = (id(model), space, tuple(id(h) for h in logging.getLogger("naslib").handlers))
    if key not in _announced:
        _announced.add(key)
        d = model.describe(space)
        logger.info("tgnas: %s scored by %s member %s (%s; trained on %s)", space, d["model"], d["member"],
                    d["evaluation"], d["trained_on"])  # the same words as the zc api's line (offline_api)


def _data_free_zerocost_query(original):
    """``ZeroCost.query`` that scores ``tgnas`` directly, without pulling a batch from the dataloader."""
    @functools.wraps(original)
    def query(self, graph, dataloader=None, info=None):
        if self.method_type != MEASURE_NAME:
            return original(self, graph, dataloader=dataloader, info=info)
        return float(tgnas_measure(graph)[0])

    return mark_replacement(query, original)


def register() -> bool:
    """Register the ``tgnas`` measure, the data-free ``ZeroCost`` path and the provenance hooks (idempotent).

    Returns True if the measure was added now.
    """
    if not is_ours(ZeroCost.query):
        ZeroCost.query = _data_free_zerocost_query(ZeroCost.query)
    _teach_ensemble_tgnas()
    _guard_fixed_tables()
    provenance.install()
    register_fused()
    if MEASURE_NAME in measures._measure_impls:
        return False
    measures.measure(MEASURE_NAME, bn=False, copy_net=False, force_clean=False)(tgnas_measure)
    return True


def _ensemble_members(self):
    """``Ensemble.get_ensemble`` for ``predictor_type: tgnas``: TG-NAS members sharing the pretrained model."""
    search = getattr(self.config, "search", None) if self.config is not None else None
    zero_shot = bool(getattr(search, "tgnas_zero_shot", True)) if search is not None else True
    epochs = int(getattr(search, "tgnas_epochs", FINETUNE_EPOCHS)) if search is not None else FINETUNE_EPOCHS
    seed = int(getattr(search, "seed", 0)) if search is not None else 0
    return [TGNASPredictor(ss_type=self.ss_type, zero_shot=zero_shot, epochs=epochs, seed=seed + i)
            for i in range(self.num_ensemble)]


def _teach_ensemble_tgnas() -> None:
    """Make NASLib's own ``Ensemble`` (Bananas, Npenas, ...) accept ``predictor_type: tgnas`` (idempotent)."""
    if is_ours(Ensemble.get_ensemble):
        return
    get_ensemble, query = Ensemble.get_ensemble, Ensemble.query

    @functools.wraps(get_ensemble)
    def get_ensemble_tgnas(self):
        return _ensemble_members(self) if self.predictor_type == MEASURE_NAME else get_ensemble(self)

    @functools.wraps(query)
    def query_tgnas(self, xtest, info=None):
        if self.predictor_type != MEASURE_NAME:
            return query(self, xtest, info)
        if self.ensemble is None:
            self.ensemble = self.get_ensemble()
        return np.array([m.query(xtest, info) for m in self.ensemble])

    Ensemble.get_ensemble = mark_replacement(get_ensemble_tgnas, get_ensemble)
    Ensemble.query = mark_replacement(query_tgnas, query)


#: NASLib's ``Ensemble``, which knows ``predictor_type: tgnas`` once :func:`register` ran (zero-shot unless
#: ``config.search.tgnas_zero_shot`` is False; every member shares the read-only pretrained model, so in
#: zero-shot mode the members agree and the ensemble's spread used by ITS/UCB acquisitions is zero)
TGNASEnsemble = Ensemble

#: NASLib script config types whose name tables are script-local dicts that no plugin can extend
_FIXED_TABLES = {
    "predictor": ("predictor", "naslib/runners/predictors/runner.py",
                  "python -m tgnas_naslib.naslib.run --config configs/nb201_cifar10_predictor_tgnas.yaml "
                  "(NASLib's PredictorEvaluator with TG-NAS)"),
    "nas": ("optimizer", "naslib/runners/nas/runner.py",
            "python -m tgnas_naslib.naslib.run --config configs/evolution_nb201_tgnas.yaml (NASLib's Trainer with "
            "TG-NAS evolution), or optimizer: bananas with search.predictor_type: tgnas or search.zc_names: [tgnas]"),
}


class FixedTableError(TGNASError, ValueError):
    """A NASLib script was asked for a TG-NAS name its fixed table cannot hold (a user error: one line)."""


def _plugin_config_from_args(original):
    """NASLib's ``get_config_from_args`` that takes ``data_dir X`` (the benchmark data directory) and ``tgnas_model
    X`` (the TG-NAS model: a shipped name or a checkpoint / bundle path) on the command line or in the config file
    (NASLib's own parser ``eval``s the value of a key its config lacks), and refuses, in one line, TG-NAS names in
    scripts with fixed name tables."""
    @functools.wraps(original)
    def get_config_from_args(args=None, config_type="nas"):
        import naslib.utils as nu

        from tgnas_naslib import paths

        from .compat.offline_apis import split_plugin_options
        from .predictor import model_spec_name, set_model_spec

        paths.set_data_dir_option("add data_dir /path/to/benchmarks_data to the script's command line")
        args = nu.parse_args() if args is None else args
        args.opts, plugin = split_plugin_options(list(args.opts or []))
        config = original(args=args, config_type=config_type)
        data_dir = plugin.get("data_dir") or config.get("data_dir") or None
        paths.set_data_dir(data_dir)  # NASLib's loaders and apis, called by NASLib, read it (tgnas_naslib.paths)
        if data_dir is not None:
            config.data_dir = str(data_dir)
        model = plugin.get("tgnas_model") or config.get("tgnas_model") or None
        if model is not None:
            from .runconfig import check_model

            check_model(model)
        set_model_spec(model)
        config.tgnas_model = model_spec_name()
        key, script, instead = _FIXED_TABLES.get(config_type, (None, None, None))
        value = str(getattr(config, key, "")) if key else ""
        if value.startswith(MEASURE_NAME):
            raise FixedTableError(
                f"{key}: {value} -- {script} picks its {key} from a table inside the script that a plugin cannot "
                f"extend; use {instead}")
        return config

    return mark_replacement(get_config_from_args, original)


def _guard_fixed_tables() -> None:
    import naslib.utils as nu

    from .compat._rebind import rebind_naslib_function

    if not is_ours(nu.get_config_from_args):
        original = nu.get_config_from_args
        rebind_naslib_function("get_config_from_args", _plugin_config_from_args(original), (original,))


class TGNASBananas(Bananas):
    """NASLib's Bananas that logs the TG-NAS score of each epoch's incumbent (``predictor_type: tgnas`` works in
    NASLib's own Bananas too, once :func:`register` ran)."""

    def new_epoch(self, epoch: int):
        super().new_epoch(epoch)
        best = max(self.history, key=lambda m: m.accuracy)
        newest = self.train_data[-1]
        logger.info("Epoch %d TG-NAS: incumbent %s (val acc %.4f) tgnas score %.4f; evaluated this epoch %s "
                    "tgnas score %.4f", epoch, zc_key(best.arch), best.accuracy, self._tgnas(best),
                    zc_key(newest.arch), self._tgnas(newest))

    @staticmethod
    def _tgnas(model) -> float:
        scores = getattr(model, "zc_scores", None) or {}
        if MEASURE_NAME in scores:
            return float(scores[MEASURE_NAME])
        return float(TGNASPredictor(model=configured_model()).query(model.arch))


register()
