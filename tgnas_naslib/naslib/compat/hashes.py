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

import ast
import re
from typing import Any

from tgnas_naslib.convert import plain

#: a numpy scalar as numpy >= 2 prints it inside a container: ``np.int64(3)``, ``np.float64(0.5)``
_NUMPY_SCALAR = re.compile(r"np\.(?:u?int|float|bool_?)\w*\(([^()]*)\)")


def plain_hash(x: Any) -> Any:
    """``x`` with every numpy scalar replaced by the plain Python one, recursively (lists stay lists, arrays become
    tuples): :func:`tgnas_naslib.convert.plain` keeping lists."""
    return plain(x, "keep")


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


def canonical_zc_key(text: str, space: str | None = None) -> str | None:
    """The zc json key of a hash given as text in any of NASLib's forms, or None when ``text`` is not a hash.

    NASLib's zc runner looks up ``str(graph.get_hash())``: with numpy 2 that reads ``(np.int64(0), ...)`` (NB101,
    mutated NB201), and for nasbench301 it is a tuple of tuples while the json keys are lists of lists.
    """
    try:
        parsed = ast.literal_eval(_NUMPY_SCALAR.sub(r"\1", text))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(parsed, (tuple, list)):
        return None
    return zc_key(parsed, space)
