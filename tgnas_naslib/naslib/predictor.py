"""``TGNASPredictor``: TG-NAS as a NASLib ``Predictor``.

Serves both of NASLib's calling conventions:

* model-based (``PredictorEvaluator``, ``Ensemble`` / Bananas): ``fit(xtrain, ytrain, info)`` then
  ``query(list_of_graphs, info) -> np.ndarray``;
* zero-cost (``ZeroCostPredictorEvaluator`` style): ``query(graph, dataloader=...) -> float`` on ONE graph
  (the dataloader is ignored: TG-NAS is data-free).

Zero-shot by default: ``fit`` does nothing. With ``zero_shot=False`` and at least two labels, ``fit``
fine-tunes a copy of the model that scores the space on the target-space labels (few-shot mode,
:meth:`tgnas_naslib.api.TGNAS.finetune`; with the default bundle, the member that never saw the space's family).
Architectures with no input->output path score ``-inf`` in the core API and :data:`FAILED` (NASLib's ``-1e8``)
here.

Which model: the one home of that choice on the NASLib side is here. ``tgnas_model`` (a shipped name such as
``nb101`` or a checkpoint / bundle path; in a NASLib config, on a NASLib script's command line, or in the project
runner's config) sets it for the run (:func:`set_model_spec`); ``TGNASPredictor(model=...)`` overrides it for one
predictor; the default is the ``universal`` bundle, zero-shot on every labelled benchmark.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
from naslib.predictors.predictor import Predictor

from tgnas_naslib import checks
from tgnas_naslib.names import FINETUNE_EPOCHS, FINETUNE_LR

from .adapters import arch_graphs, to_arch_graph

__all__ = ["FAILED", "TGNASPredictor", "configured_model", "model_for", "model_spec", "naslib_scores",
           "set_model_spec"]

#: NASLib's value for a failed proxy (ZeroCost maps NaN/inf to it)
FAILED = -1e8

_LOCK = threading.Lock()
_MODELS: dict[tuple[str, str], Any] = {}
#: the model NASLib's side scores with (``tgnas_model``); None: the default bundle
_SPEC: list[str | None] = [None]


def set_model_spec(spec: str | Path | None) -> None:
    """The TG-NAS model of this run from now on (a shipped name or a checkpoint / bundle path; None: the default)."""
    _SPEC[0] = None if spec in (None, "") else str(spec)


def model_spec_name() -> str:
    """The name of the model this run scores with (``universal`` unless ``tgnas_model`` named another)."""
    from tgnas_naslib.api import DEFAULT_MODEL

    return _SPEC[0] or DEFAULT_MODEL


@contextlib.contextmanager
def model_spec(spec: str | Path | None) -> Iterator[None]:
    """:func:`set_model_spec` while the block runs (the project runner), then the previous choice again."""
    before = _SPEC[0]
    set_model_spec(spec)
    try:
        yield
    finally:
        _SPEC[0] = before


def model_for(spec: str | Path | None = None, device: str = "cpu"):
    """The model ``spec`` names (None: the default bundle), loaded once per process and device."""
    from tgnas_naslib.api import DEFAULT_MODEL, TGNAS

    key = (str(spec or DEFAULT_MODEL), str(device))
    with _LOCK:
        if key not in _MODELS:
            _MODELS[key] = TGNAS.pretrained(key[0], device=device)
        return _MODELS[key]


def configured_model(device: str = "cpu"):
    """The model this run scores with (``tgnas_model``, else the default bundle)."""
    return model_for(_SPEC[0], device)


def naslib_scores(scores: np.ndarray) -> np.ndarray:
    """Core scores with ``-inf`` / NaN (no input->output path) replaced by NASLib's ``-1e8``."""
    out = np.asarray(scores, dtype=np.float64).copy()
    out[~np.isfinite(out)] = FAILED
    return out


def _is_single_graph(x: Any) -> bool:
    return hasattr(x, "get_type") and not isinstance(x, (list, tuple))


class TGNASPredictor(Predictor):
    """TG-NAS (data-free, zero-shot by default) as a NASLib predictor; higher is better."""

    default_hyperparams = {"zero_shot": True, "epochs": FINETUNE_EPOCHS, "lr": FINETUNE_LR}

    def __init__(self, ss_type: str | None = None, encoding_type: Any = None, zero_shot: bool = True,
                 epochs: int = FINETUNE_EPOCHS, lr: float = FINETUNE_LR, seed: int = 0, model: Any = None,
                 device: str = "cpu"):
        """``model``: a loaded model, or a shipped name / checkpoint or bundle path (None: the run's ``tgnas_model``,
        else the default bundle)."""
        super().__init__(ss_type=ss_type, encoding_type=encoding_type)
        self.method_type = "tgnas"
        epochs, lr, seed = checks.integer("epochs", epochs, 1), checks.positive_number("lr", lr), \
            checks.seed("seed", seed)
        self.seed = int(seed)
        self.device = device
        # None: the run's configured model; a name or path: that model (both loaded once per process)
        if model is not None and not isinstance(model, (str, Path)) and not hasattr(model, "score_graphs"):
            raise checks.ArgumentTypeError(f"model must be a TG-NAS model, a shipped model name or a checkpoint path, "
                                           f"not {type(model).__name__}")
        self._base_model = model_for(model, device) if isinstance(model, (str, Path)) else model
        self._tuned = None
        self.hyperparams = {"zero_shot": bool(zero_shot), "epochs": int(epochs), "lr": float(lr)}
        # per instance: Ensemble.fit applies default_hyperparams to every member
        self.default_hyperparams = dict(self.hyperparams)
        self.unlabeled = None
        self.xtrain_zc_info = self.xtest_zc_info = self.unlabeled_zc_info = None

    # -- the model --------------------------------------------------------------------------------------
    @property
    def base_model(self):
        """The model that scores zero-shot and that fine-tuning starts from (the run's configured model unless one
        was passed in; fine-tuning starts from the member that scores the labels' space)."""
        if self._base_model is None:
            self._base_model = configured_model(self.device)
        return self._base_model

    @property
    def model(self):
        """The model that scores: the fine-tuned copy after a few-shot ``fit``, else the base model."""
        return self._tuned if self._tuned is not None else self.base_model

    def __deepcopy__(self, memo):
        # Ensemble deep-copies its members; the (read-only) TG-NAS models are shared, never mutated.
        new = copy.copy(self)
        memo[id(self)] = new
        new.hyperparams = dict(self.hyperparams)
        new.default_hyperparams = dict(self.default_hyperparams)
        return new

    # -- scoring ------------------------------------------------------------------------------------------
    def score_graphs(self, graphs: Sequence[Any]) -> np.ndarray:
        """Raw TG-NAS scores of NASLib graphs (``-inf`` for disconnected architectures)."""
        model = self.model
        return model.score_graphs(arch_graphs(graphs, model.config.representation))

    def query(self, xtest: Any, info: Any = None, dataloader: Any = None) -> Any:
        """Scores of a list of NASLib graphs (np.ndarray), or of one graph (float); ``-inf`` -> ``-1e8``."""
        if _is_single_graph(xtest):
            model = self.model
            s = model.score_graphs([to_arch_graph(xtest, model.config.representation)])
            return float(naslib_scores(s)[0])
        return naslib_scores(self.score_graphs(checks.arch_list(xtest, "xtest")))

    # -- training -----------------------------------------------------------------------------------------
    def fit(self, xtrain: Sequence[Any], ytrain: Sequence[float] | None = None, train_info: Any = None,
            zero_shot: bool | None = None):
        """Zero-shot (the default, or no labels): nothing to do, returns None. Few-shot: fine-tune a copy of
        the base model on (xtrain, ytrain) and return its training Spearman correlation."""
        zs = self.hyperparams.get("zero_shot", True) if zero_shot is None else bool(zero_shot)
        self._tuned = None
        if zs or ytrain is None:
            return None
        xtrain = checks.arch_list(xtrain, "xtrain")
        ytrain = checks.labels(ytrain, len(xtrain), "ytrain")  # NaN / inf, too few or too many: one line
        if len(ytrain) < 2:
            return None
        model = self.base_model
        graphs = arch_graphs(xtrain, model.config.representation)
        self._tuned = model.finetune(graphs, ytrain, epochs=int(self.hyperparams["epochs"]),
                                     lr=float(self.hyperparams["lr"]), seed=self.seed)
        pred = self._tuned.score_graphs(graphs)
        ok = np.isfinite(pred)
        if ok.sum() < 2:
            return None
        from scipy import stats

        return float(stats.spearmanr(np.asarray(ytrain, dtype=float)[ok], pred[ok])[0])

    # -- NASLib's bookkeeping -----------------------------------------------------------------------------
    def get_data_reqs(self) -> dict:
        return {"requires_partial_lc": False, "metric": None, "requires_hyperparameters": False,
                "hyperparams": None, "unlabeled": False, "unlabeled_factor": 0}

    def set_pre_computations(self, unlabeled=None, xtrain_zc_info=None, xtest_zc_info=None,
                             unlabeled_zc_info=None):
        """Accepted for Ensemble compatibility; TG-NAS needs none of them."""
        if unlabeled is not None:
            self.unlabeled = unlabeled
        if xtrain_zc_info is not None:
            self.xtrain_zc_info = xtrain_zc_info
        if xtest_zc_info is not None:
            self.xtest_zc_info = xtest_zc_info
        if unlabeled_zc_info is not None:
            self.unlabeled_zc_info = unlabeled_zc_info

    def pre_compute(self, xtrain, xtest, unlabeled=None):
        return None

    def set_hyperparams(self, params: dict | None):
        if params:
            self.hyperparams = {**self.hyperparams, **params}

    def get_hyperparams(self) -> dict:
        return dict(self.hyperparams)

    def reset_hyperparams(self):
        self.hyperparams = dict(self.default_hyperparams)

    def set_random_hyperparams(self) -> dict:
        return self.get_hyperparams()

    def get_hpo_wrapper(self) -> bool:
        return False
