"""Fix: ``collections.Iterable`` & co., removed in Python 3.10.

Evidence: NASLib ``naslib/predictors/gp/gpwl_utils/wl_kernel.py`` calls
``isinstance(X, collections.Iterable)`` in the Weisfeiler-Lehman kernel of the GPWL predictor; on Python
>= 3.10 that is ``AttributeError: module 'collections' has no attribute 'Iterable'`` at fit time.
Fix: alias every missing ``collections.abc`` name onto ``collections``.
"""

from __future__ import annotations

import collections
import collections.abc


def alias_collections_abc() -> list[str]:
    """Alias the ABCs Python 3.10 removed from ``collections``; returns the names added (empty when present)."""
    added = []
    for name in collections.abc.__all__:
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
            added.append(name)
    return added
