"""Fix: numpy >= 2 prints ``np.int64(1)`` inside containers, so NASLib's hashes no longer match its zc keys.

Evidence: hashes of NB101 graphs (``set_spec``), of sampled NB301 / TNB101 graphs and of mutated NB201 graphs
(``mutate`` draws the new op with ``np.random.choice``) hold ``np.int64``; ``str(hash)`` then reads
``(np.int64(1), ...)``, which matches no key of NASLib's zc json files
(``naslib/utils/get_dataset_api.py::get_zc_benchmark_api`` keys are ``str(tuple_of_ints)``).
NASLib's graphs are NOT monkeypatched: callers convert with :func:`plain_hash` / :func:`zc_key`. For
nasbench301 the json keys are the string of a list of two lists of (node, op) tuples while ``get_hash()``
is a tuple of tuples; :func:`zc_key` produces the json form.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def plain_hash(x: Any) -> Any:
    """``x`` with every numpy scalar replaced by the plain Python one, recursively (containers kept)."""
    if isinstance(x, np.ndarray):
        return x.item() if x.ndim == 0 else tuple(plain_hash(v) for v in x)
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, tuple):
        return tuple(plain_hash(v) for v in x)
    if isinstance(x, list):
        return [plain_hash(v) for v in x]
    return x


def zc_key(graph_or_hash: Any, space: str | None = None) -> str:
    """The key of an architecture in NASLib's zc json files (``zc_<space>.json[space][dataset][key]``).

    ``graph_or_hash`` is a NASLib graph (its ``get_type()`` gives ``space`` when not passed) or a hash.
    """
    h = graph_or_hash
    if hasattr(graph_or_hash, "get_hash"):
        h = graph_or_hash.get_hash()
        if space is None and hasattr(graph_or_hash, "get_type"):
            space = graph_or_hash.get_type()
    h = plain_hash(h)
    if space == "nasbench301":
        return str([[tuple(pair) for pair in cell] for cell in h])
    return str(h)
