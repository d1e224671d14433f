"""Fix: ``inspect.getargspec``, removed in Python 3.11.

Evidence: NASLib ``naslib/predictors/lce_m/curvemodels.py`` (the LCE-M learning-curve predictor) calls
``inspect.getargspec(function)``; on Python 3.11 that is ``AttributeError``.
Fix: restore it as a thin wrapper over ``inspect.getfullargspec``.
"""

from __future__ import annotations

import collections
import inspect

from ._marker import MARK, is_ours

ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")


def restore_inspect_getargspec() -> bool:
    """Restore ``inspect.getargspec``; True when it is ours (now or from an earlier call)."""
    if hasattr(inspect, "getargspec"):
        return is_ours(inspect.getargspec)

    def getargspec(func):
        spec = inspect.getfullargspec(func)
        return ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    setattr(getargspec, MARK, True)
    inspect.getargspec = getargspec
    return True
