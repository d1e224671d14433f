"""The one numpy -> plain Python converter (ground floor: imports numpy only).

Architectures, NASLib hashes, result files and provenance all need numpy scalars and arrays turned into plain Python
values; they differ only in what a sequence becomes and in how strict JSON must be, which :func:`plain`'s options
say.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

#: what :func:`plain` makes of sequences: see its doc
Sequences = Literal["tuple", "keep", "list"]
_SEQUENCES = ("tuple", "keep", "list")


def plain(value: Any, sequences: Sequences = "tuple", *, json_safe: bool = False, in_place: bool = False) -> Any:
    """``value`` with numpy scalars turned into Python ones (``.item()``), recursively through dicts, lists, tuples
    and arrays.

    ``sequences``: ``"tuple"``: lists, tuples and arrays become tuples (hashable: an architecture's canonical form);
    ``"keep"``: lists stay lists and tuples tuples, arrays become tuples (a NASLib hash, which must print as NASLib
    prints it); ``"list"``: every sequence becomes a list (JSON). ``json_safe``: also dict keys become ``str``,
    NaN / inf become None and any other object its ``str`` (what strict JSON and fvcore's CfgNode accept).
    ``in_place``: dicts and lists are updated in place, keys kept, so their own types survive (NASLib's CfgNode
    results).
    """
    if sequences not in _SEQUENCES:
        raise ValueError(f"plain: sequences must be one of {_SEQUENCES}, got {sequences!r}")
    return _plain(value, sequences, json_safe, in_place)


def _plain(value: Any, seq: str, json_safe: bool, in_place: bool) -> Any:
    if isinstance(value, np.ndarray):  # nested lists inside an array are the array's rows: never kept as lists
        return _plain(value.tolist(), "tuple" if seq == "keep" else seq, json_safe, False)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        if in_place:
            for key, item in value.items():
                value[key] = _plain(item, seq, json_safe, True)
            return value
        return {(str(k) if json_safe else k): _plain(v, seq, json_safe, False) for k, v in value.items()}
    if isinstance(value, list):
        items = [_plain(v, seq, json_safe, in_place) for v in value]
        if seq == "tuple":
            return tuple(items)
        if in_place:
            value[:] = items
            return value
        return items
    if isinstance(value, tuple):
        items = [_plain(v, seq, json_safe, in_place) for v in value]
        return items if seq == "list" else tuple(items)
    if json_safe:
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if not isinstance(value, (str, int, bool, type(None))):
            return str(value)
    return value
