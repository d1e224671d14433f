"""What a caller may pass to the public functions: the one home of their argument checks.

``TGNAS`` (api.py) and ``ModelBundle`` (bundle.py) share one scoring surface, and NASLib's ``TGNASPredictor``,
the searchers, the study and the training recipes take the same kinds of values; each checks them here, so None,
a wrong type, NaN or a value out of range is one :class:`ArgumentError` / :class:`ArgumentTypeError` line naming
the argument, never a raw ``TypeError`` / ``IndexError`` from deep inside, nor a silently wrong result.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import TGNASError
from .graph import ArchGraph

#: the largest seed every random generator of the project takes (numpy's legacy ``RandomState`` stops here)
SEED_MAX = 2**32 - 1


class ArgumentError(TGNASError, ValueError):
    """An argument out of its range (NaN labels, ``epochs=0``, a negative seed, ...): one line naming it."""


class ArgumentTypeError(TGNASError, TypeError):
    """An argument of the wrong type (``score(None)``, ``space=5``, ...): one line naming it."""


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def integer(name: str, value: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an int within [minimum, maximum]; else one line naming ``name`` and the range."""
    if not _is_int(value):
        raise ArgumentTypeError(f"{name} must be an integer, not {type(value).__name__} ({value!r})")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = (f"from {minimum} to {maximum}" if maximum is not None else f">= {minimum}") \
            if minimum is not None else f"<= {maximum}"
        raise ArgumentError(f"{name} must be an integer {bounds}, got {value}")
    return value


def seed(name: str, value: Any) -> int:
    """A seed: an integer from 0 to :data:`SEED_MAX`."""
    return integer(name, value, 0, SEED_MAX)


def positive_number(name: str, value: Any) -> float:
    """A finite number > 0 (a learning rate, ...)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be a number, not {type(value).__name__} ({value!r})")
    if not math.isfinite(value) or value <= 0:
        raise ArgumentError(f"{name} must be a finite number > 0, got {value}")
    return float(value)


def _looks_like_one_encoding(value: Any) -> bool:
    """A tuple / list of plain numbers: one architecture's encoding (an NB201 6-tuple), not a list of them."""
    return isinstance(value, (tuple, list)) and bool(value) and all(_is_int(v) for v in value)


def arch_list(archs: Any, name: str = "archs") -> list:
    """Architectures as a list: one ArchGraph / string / dict is a list of one, any other iterable is listed; None, a
    number or one tuple of op indices (ambiguous: pass ``[arch]``) is one line naming ``name``."""
    if isinstance(archs, (str, dict, ArchGraph)):
        return [archs]
    if archs is None or isinstance(archs, (numbers.Number, bytes)) or not isinstance(archs, Iterable):
        raise ArgumentTypeError(f"{name} must be a list of architectures (or one ArchGraph, string or dict), not "
                                f"{type(archs).__name__}")
    if isinstance(archs, tuple) and _looks_like_one_encoding(archs):
        raise ArgumentTypeError(f"{name} is one tuple of numbers {archs!r}: pass a list of architectures, e.g. "
                                f"[{archs!r}] (score_one scores one architecture)")
    return list(archs)


def space_arg(space: Any, n: int) -> str | list[str] | None:
    """``space``: None, a space name, or one name per architecture (``n`` of them)."""
    if space is None or isinstance(space, str):
        return space
    if isinstance(space, (numbers.Number, bytes)) or not isinstance(space, Iterable):
        raise ArgumentTypeError(f"space must be a search space name (such as 'nasbench201'), one name per "
                                f"architecture, or None, not {type(space).__name__} ({space!r})")
    spaces = list(space)
    bad = next((s for s in spaces if not isinstance(s, str)), None)
    if bad is not None:
        raise ArgumentTypeError(f"space: every name must be a string, got {type(bad).__name__} ({bad!r})")
    if len(spaces) != n:
        raise ArgumentError(f"got {n} architectures but {len(spaces)} space names")
    return spaces


def labels(y: Any, n: int, name: str = "y") -> np.ndarray:
    """Labels of ``n`` architectures: finite numbers, exactly one per architecture."""
    if y is None or isinstance(y, (str, bytes, numbers.Number)) or not isinstance(y, Iterable):
        raise ArgumentTypeError(f"{name} must be a sequence of numbers (one label per architecture), not "
                                f"{type(y).__name__}")
    try:
        values = np.asarray(list(y), dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name} must hold numbers only (one label per architecture)") from None
    if values.ndim != 1:
        raise ArgumentError(f"{name} must be a flat sequence of numbers, got shape {values.shape}")
    if len(values) != n:
        raise ArgumentError(f"got {n} architectures but {len(values)} labels in {name}: give exactly one label per "
                            "architecture")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ArgumentError(f"{name} has {bad.size} label(s) that are not finite numbers (first: {name}[{bad[0]}] = "
                            f"{values[bad[0]]}): drop those architectures or give their labels")
    return values


def _is_ready(g: Any) -> bool:
    return isinstance(g, ArchGraph) or getattr(g, "kind", None) == "skeleton"


def graph_list(graphs: Any) -> list:
    """Ready inputs (ArchGraphs or skeletons) as a list (``score_graphs``); anything else is one line saying to use
    ``score``."""
    if graphs is None or isinstance(graphs, (str, bytes, dict, numbers.Number)) or not isinstance(graphs, Iterable):
        raise ArgumentTypeError(f"graphs must be a list of ArchGraphs, not {type(graphs).__name__} (score(archs, "
                                "space) takes architectures)")
    out = [graphs] if _is_ready(graphs) else list(graphs)
    bad = next((g for g in out if not _is_ready(g)), None)
    if bad is not None:
        raise ArgumentTypeError(f"graphs must hold ArchGraphs only, got {type(bad).__name__}: score(archs, space) "
                                "takes architectures")
    return out


def one_space(space: Any, what: str = "") -> str | None:
    """One search space name, or None (no space: a traced module, a hand-made graph)."""
    if space is not None and not isinstance(space, str):
        raise ArgumentTypeError(f"space must be one search space name (such as 'nasbench201') or None{what}, not "
                                f"{type(space).__name__} ({space!r})")
    return space


def path_arg(name: str, value: Any) -> str:
    """A file path: a string or an ``os.PathLike``."""
    import os

    if isinstance(value, os.PathLike) or (isinstance(value, str) and value):
        return os.fspath(value)
    raise ArgumentTypeError(f"{name} must be a path (a string or pathlib.Path), not {type(value).__name__} "
                            f"({value!r})")


def stream_args(archs: Any, space: Any, chunk: Any) -> tuple[Any, str | None, int]:
    """``score_iter``'s arguments: an iterable of architectures (iterated lazily), one space name or None, and a
    chunk size >= 1."""
    if archs is None or isinstance(archs, (str, bytes, dict, ArchGraph, numbers.Number)) \
            or not isinstance(archs, Iterable):
        raise ArgumentTypeError(f"archs must be an iterable of architectures, not {type(archs).__name__}")
    return iter(archs), one_space(space, " for a stream"), integer("chunk", chunk, 1)
