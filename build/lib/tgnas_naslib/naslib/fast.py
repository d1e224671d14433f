"""Spec-only NASLib search spaces whose ``clone()`` is a cheap shallow copy (bulk sampling / scoring).

``Graph.clone()`` deep-copies a whole network (~0.7 s for NB201 even with ``instantiate_model = False``),
which makes NASLib's ``PredictorEvaluator`` spend minutes sampling a few hundred test architectures.
With ``instantiate_model = False`` NB201 / NB301 / TNB101-micro graphs keep their architecture in one
attribute (``op_indices`` / ``compact``) and never touch the network, so a shallow copy with that attribute
cleared is an independent architecture holder. :func:`spec_only` turns a space into one whose clones are
such copies (and whose clones' clones are, too). Not for graphs that must be parsed, trained or pickled
(the class is created at run time): use NASLib's own space for those.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["spec_only", "SPEC_ATTRS"]

#: space -> the attribute that holds its architecture when no model is instantiated
SPEC_ATTRS = {"nasbench201": "op_indices", "transbench101_micro": "op_indices", "nasbench301": "compact"}
_CLASSES: dict[type, type] = {}


def _light_clone(self):
    new = copy.copy(self)
    setattr(new, SPEC_ATTRS[self.get_type()], None)
    return new


def spec_only(space: Any) -> Any:
    """Make ``space`` (a NASLib NB201 / NB301 / TNB101-micro search space) spec-only, in place; returns it."""
    if space.get_type() not in SPEC_ATTRS:
        raise ValueError(f"spec_only supports {', '.join(SPEC_ATTRS)}, not {space.get_type()!r}")
    space.instantiate_model = False
    cls = type(space)
    if cls not in _CLASSES.values():
        if cls not in _CLASSES:
            _CLASSES[cls] = type(f"SpecOnly{cls.__name__}", (cls,), {"clone": _light_clone,
                                                                    "__module__": __name__})
        space.__class__ = _CLASSES[cls]
    return space
