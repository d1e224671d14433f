"""Fix: ngboost 0.6 seeds each base learner from its own RNG; NASLib's seeds drove numpy's global RNG.

Evidence: NASLib's NGBoost predictors (``naslib/predictors/trees/ngb.py``, ``naslib/predictors/omni_ngb.py``)
build ``DecisionTreeRegressor(random_state=None, ...)`` and rely on ``utils.set_seed`` (numpy's global RNG)
for reproducibility. ngboost <= 0.5.11 fitted every base learner with that global RNG; ngboost 0.6.0
(``NGBRegressor.fit_base``) first draws a seed per base learner whose ``random_state`` is None, which
changes the random stream. NASLib's ``tests/test_predictors.py::test_NGBPredictor`` (seed 1000) then gives
kendalltau 0.067 instead of 0.2; with numpy 2.4, scikit-learn 1.6 and ngboost 0.5.11 it passes, with
ngboost 0.6.0 it fails (checked with everything else unchanged).
Fix: the ``DecisionTreeRegressor`` those NASLib modules call becomes a factory that passes
:data:`GLOBAL_RNG` -- a ``RandomState`` that draws from numpy's global RNG and is never copied -- instead
of ``random_state=None``. ngboost 0.6 then seeds nothing and every draw comes from the global RNG again, as
before 0.6. ngboost < 0.6 is left alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tgnas_naslib.extras import optional

from ._marker import MARK
from ._rebind import patch_module_globals

#: NASLib modules that build ngboost base learners with ``DecisionTreeRegressor(random_state=None)``
NASLIB_NGB_MODULES = ("naslib.predictors.trees.ngb", "naslib.predictors.omni_ngb")
#: RandomState methods scikit-learn and ngboost draw from
_DRAWS = ("randint", "rand", "randn", "random_sample", "random", "uniform", "normal", "choice", "permutation",
          "shuffle", "integers", "bytes", "get_state", "set_state", "seed")


class GlobalRandomState(np.random.RandomState):
    """A ``RandomState`` whose draws are numpy's global RNG (``np.random.mtrand._rand``); copies are itself."""

    def __deepcopy__(self, memo: dict) -> GlobalRandomState:
        return self

    def __copy__(self) -> GlobalRandomState:
        return self

    def __reduce__(self):
        return (_global_rng, ())


def _delegate(name: str):
    def method(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(np.random.mtrand._rand, name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in _DRAWS:
    if hasattr(np.random.RandomState, _name):
        setattr(GlobalRandomState, _name, _delegate(_name))

GLOBAL_RNG = GlobalRandomState()


def _global_rng() -> GlobalRandomState:
    return GLOBAL_RNG


def needs_fix(version: str) -> bool:
    """True for ngboost versions that seed base learners themselves (>= 0.6)."""
    try:
        major, minor = (int(p) for p in version.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (0, 6)


def _tree_factory(tree_class: type):
    def DecisionTreeRegressor(*args: Any, random_state: Any = None, **kwargs: Any):
        """scikit-learn's DecisionTreeRegressor; ``random_state=None`` draws from numpy's global RNG."""
        return tree_class(*args, random_state=GLOBAL_RNG if random_state is None else random_state, **kwargs)

    setattr(DecisionTreeRegressor, MARK, True)
    DecisionTreeRegressor.tree_class = tree_class
    return DecisionTreeRegressor


def patch_naslib_ngboost() -> list[str]:
    """Patch :data:`NASLIB_NGB_MODULES` (ngboost >= 0.6 only); returns the modules that have the factory."""
    ngboost = optional("ngboost")
    if ngboost is None:
        return []
    if not needs_fix(getattr(ngboost, "__version__", "0")):
        return []
    return patch_module_globals(NASLIB_NGB_MODULES, "DecisionTreeRegressor", _tree_factory)
