"""Fix: numpy behaviour NASLib relies on -- ``np.array`` over networkx graphs and ``np.sum`` of a generator.

Evidence (numpy >= 1.24): ``np.array([...networkx graphs...])`` raises "inhomogeneous shape" (a DiGraph has
``__len__``/``__iter__``, so numpy descends into it; older numpy built a ragged object array). NASLib
``naslib/predictors/gp/gpwl.py`` (``GraphGP.__init__``: ``np.array([xtrain[i] ...])`` and
``np.array(xtrain)[:, valid]``; ``GPWLPredictor._convert_data`` for DARTS) -> the GPWL predictor fails in ``fit``.

Evidence (numpy >= 2.4): ``np.sum(generator)`` raises TypeError (deprecated since 1.15, which summed it with
Python's ``sum``). NASLib ``naslib/utils/__init__.py::count_parameters_in_MB`` -- called by every discrete
optimizer's ``get_model_size()``, i.e. in ``Trainer.__init__`` -- so no ``Trainer`` can be built; also
``naslib/predictors/gp/gpwl_utils/wl_kernel.py::WeisfeilerLehman.transform``.

Fix: the global ``np`` of exactly those NASLib modules becomes :class:`CompatNumpy`, a numpy proxy whose
``array``/``asarray`` build object arrays for (nested) lists of networkx graphs and whose ``sum`` of a
generator is Python's ``sum``; every other numpy call goes to numpy unchanged.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from tgnas_naslib.extras import optional

from ._marker import MARK
from ._rebind import patch_module_globals


def _nx_graph_object_array(obj: Any):
    """An object array holding the networkx graphs of a (nested) list, or None when ``obj`` is not one."""
    nx = optional("networkx")
    if nx is None:  # pragma: no cover
        return None
    shape, cur = [], obj
    while isinstance(cur, (list, tuple)) and not isinstance(cur, nx.Graph):
        shape.append(len(cur))
        if not cur:
            return None
        cur = cur[0]
    if not shape or not isinstance(cur, nx.Graph):
        return None
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        item = obj
        for i in idx:
            item = item[i]
        out[idx] = item
    return out


def _graph_aware(make_array):
    """``np.array`` / ``np.asarray`` that turn a bare sequence of networkx graphs into a 1-d object array."""
    def wrapped(obj, *args, **kwargs):
        if not args and not kwargs:
            arr = _nx_graph_object_array(obj)
            if arr is not None:
                return arr
        return make_array(obj, *args, **kwargs)
    return wrapped


class CompatNumpy(types.ModuleType):
    """numpy as NASLib was written against, for the global ``np`` of a few NASLib modules:

    - ``array``/``asarray`` of a (nested) list of networkx graphs build an object array instead of
      iterating into the graphs (numpy >= 1.24 raises "inhomogeneous shape" there);
    - ``sum`` of a generator is Python's ``sum`` of it, as numpy < 2.4 did (with a DeprecationWarning);
      numpy 2.4 raises TypeError.

    Every other attribute is numpy's own.
    """

    def __init__(self):
        super().__init__("numpy")
        setattr(self, MARK, True)

    def __getattr__(self, name):
        return getattr(np, name)

    array = staticmethod(_graph_aware(np.array))
    asarray = staticmethod(_graph_aware(np.asarray))

    @staticmethod
    def sum(a, *args, **kwargs):
        if isinstance(a, types.GeneratorType):
            return sum(a)  # what numpy < 2.4 returned for a generator (axis / dtype were ignored)
        return np.sum(a, *args, **kwargs)


#: NASLib modules whose global ``np`` becomes :class:`CompatNumpy` (see the module doc).
NASLIB_NUMPY_COMPAT_MODULES = (
    "naslib.utils",  # count_parameters_in_MB: np.sum(generator)
    "naslib.predictors.gp.gpwl",  # GraphGP: np.array([...networkx graphs...])
    "naslib.predictors.gp.gpwl_utils.wl_kernel",  # WeisfeilerLehman.transform: np.sum(generator, axis=0)
)


def patch_naslib_numpy() -> list[str]:
    """Give the modules in :data:`NASLIB_NUMPY_COMPAT_MODULES` the :class:`CompatNumpy` proxy (idempotent);
    returns the modules that have it (a module that does not import is skipped)."""
    return patch_module_globals(NASLIB_NUMPY_COMPAT_MODULES, "np",
                                lambda mod_np: CompatNumpy() if mod_np is np else None)
