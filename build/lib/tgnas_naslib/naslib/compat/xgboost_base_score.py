"""Fix: XGBoost >= 2.0 estimates ``base_score`` from the training labels; NASLib was written against 0.5.

Evidence: XGBoost's intercept tutorial ("Since 2.0.0, XGBoost supports estimating the model intercept
(named ``base_score``) automatically based on targets upon training ... setting ``base_score`` to a
constant value" disables it). NASLib pins ``xgboost==1.4.2`` (``requirements.txt``) and its XGB predictor
(``naslib/predictors/trees/xgb.py``: ``xgb.train(self.hyperparams, train_data, num_boost_round=500)``)
never sets ``base_score``. On NASLib's own ``tests/test_predictors.py::test_XGBPredictor`` (seed 1000,
NB201 test set) xgboost 3.2 gives mae 3.8909 instead of the 3.6807 the test expects; with
``base_score=0.5`` it gives the expected values exactly (``tree_method`` makes no difference).
Fix: the global ``xgb`` of that NASLib module becomes a proxy whose ``train`` adds ``base_score=0.5`` when
the params do not set it (xgboost >= 2 only); every other attribute is xgboost's own.
"""

from __future__ import annotations

import types
from typing import Any

from ._marker import MARK
from ._rebind import patch_module_globals

#: NASLib modules whose global ``xgb`` gets the proxy
NASLIB_XGB_MODULES = ("naslib.predictors.trees.xgb",)
#: xgboost's fixed intercept before 2.0
LEGACY_BASE_SCORE = 0.5


def needs_fix(version: str) -> bool:
    """True for xgboost versions that estimate the intercept (>= 2.0)."""
    try:
        return int(version.split(".")[0]) >= 2
    except ValueError:
        return False


class LegacyInterceptXGBoost(types.ModuleType):
    """xgboost, except that ``train`` defaults ``base_score`` to 0.5 as xgboost < 2.0 did."""

    def __init__(self, xgb: types.ModuleType):
        super().__init__("xgboost")
        self._xgb = xgb
        setattr(self, MARK, True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._xgb, name)

    def train(self, params: dict, *args: Any, **kwargs: Any) -> Any:
        """``xgboost.train`` with ``base_score`` 0.5 unless ``params`` sets it."""
        params = dict(params)
        params.setdefault("base_score", LEGACY_BASE_SCORE)
        return self._xgb.train(params, *args, **kwargs)


def patch_naslib_xgboost() -> list[str]:
    """Give the modules of :data:`NASLIB_XGB_MODULES` the proxy (xgboost >= 2 only); returns the patched ones."""
    return patch_module_globals(
        NASLIB_XGB_MODULES, "xgb",
        lambda xgb: LegacyInterceptXGBoost(xgb) if needs_fix(getattr(xgb, "__version__", "0")) else None)
