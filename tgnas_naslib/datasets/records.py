"""Loaded benchmark data: one record per architecture, the architecture-key conventions and failed proxies."""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ..convert import plain
from ..spaces import SPACES as _REGISTRY

#: NASLib's value for a failed proxy (its ZeroCost predictor turns NaN/inf into it; failures rank last)
FAILED = -1e8
#: NASLib search-space names a benchmark can belong to
SPACES: tuple[str, ...] = tuple(_REGISTRY)  # every registered space
#: NAS-Bench-Macro: a key is 8 digits (one op code per layer), stored as the tuple of the 8 ints
_MACRO_LAYERS = 8

_INTS_IN_BRACKETS = re.compile(r"[\d\s,()\[\]-]+")
_BRACKETS_TO_JSON = str.maketrans("()", "[]")
_NB101_NODES = 7


def is_failed(value: float | None) -> bool:
    """A proxy value that NASLib counts as failed: missing (None), NaN, inf or <= -1e8."""
    return value is None or not math.isfinite(value) or value <= FAILED


def to_arch(value: Any, space: str | None = None) -> tuple:
    """Turn an architecture key (string, list, numpy array) into the plain-int tuple used for ``space``.

    NB101 keys of pruned cells (n*n + n numbers for n < 7 nodes) are padded to NASLib's 56-tuple.
    Raises ValueError when the key does not parse or has the wrong shape for the space.
    """
    if isinstance(value, str):
        return _arch_from_text(value.strip(), space)
    return _normalise(plain(value), space)


@lru_cache(maxsize=131_072)
def _arch_from_text(text: str, space: str | None) -> tuple:
    """Memoised: the same key string appears once per task in multi-task files."""
    if space == "nasbench_macro" and text.isdigit():  # "02012100": a digit string, not a number
        return _normalise(tuple(int(c) for c in text), space)
    return _normalise(_parse_text(text), space)


def _normalise(arch: Any, space: str | None) -> tuple:
    if space == "nasbench101":
        return pad_nb101(arch)  # checks the shape itself
    _check_shape(arch, space)
    return arch


def _parse_text(text: str) -> Any:
    """Parse an architecture string; nested int tuples/lists take a fast path (as JSON), else ast.literal_eval."""
    if _INTS_IN_BRACKETS.fullmatch(text):
        try:
            return _tuples(json.loads(text.translate(_BRACKETS_TO_JSON)))
        except json.JSONDecodeError:
            pass  # e.g. a trailing comma: let literal_eval decide
    try:
        return plain(ast.literal_eval(text))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(f"cannot parse architecture key {text!r:.120}") from None


def _tuples(value: Any) -> Any:
    """JSON lists (of lists) of ints -> tuples (of tuples)."""
    if type(value) is list:
        return tuple(value) if all(type(v) is int for v in value) else tuple(_tuples(v) for v in value)
    return value


def pad_nb101(arch: tuple) -> tuple:
    """Pad an n-node NB101 key (flattened n x n adjacency, then n op codes) to the 7-node 56-tuple.

    The added nodes have no edges (so they are pruned away) and op 2 (maxpool3x3); input stays first and
    output last. A 56-tuple is returned unchanged.
    """
    n = _nb101_nodes(arch)
    if n == _NB101_NODES:
        return arch
    keep = list(range(n - 1)) + [_NB101_NODES - 1]  # new position of each old node
    matrix = [[0] * _NB101_NODES for _ in range(_NB101_NODES)]
    for i in range(n):
        for j in range(n):
            matrix[keep[i]][keep[j]] = arch[i * n + j]
    ops = [2] * _NB101_NODES
    for i in range(n):
        ops[keep[i]] = arch[n * n + i]
    return tuple(v for row in matrix for v in row) + tuple(ops)


def _nb101_nodes(arch: Any) -> int:
    if isinstance(arch, tuple) and all(type(v) is int for v in arch):
        for n in range(2, _NB101_NODES + 1):
            if len(arch) == n * n + n:
                return n
    raise ValueError(f"NB101 key must be n*n + n ints (flattened adjacency then ops, n <= 7): {arch!r:.120}")


def _check_shape(arch: Any, space: str | None) -> None:
    """Shape checks per space; a corrupt key fails here instead of deep in a graph builder."""
    if space in ("nasbench201", "transbench101_micro"):
        ok = isinstance(arch, tuple) and len(arch) == 6 and all(type(v) is int for v in arch)
        want = "6 ints"
    elif space == "nasbench301":
        ok = (isinstance(arch, tuple) and len(arch) == 2 and
              all(isinstance(cell, tuple) and len(cell) == 8 and
                  all(isinstance(p, tuple) and len(p) == 2 and all(type(v) is int for v in p) for p in cell)
                  for cell in arch))
        want = "(normal, reduce), each 8 (input_node, op) pairs of ints"
    elif space == "transbench101_macro":
        ok = isinstance(arch, tuple) and all(type(v) is int for v in arch)
        want = "a flat tuple of ints"
    elif space == "nasbench_macro":
        ok = isinstance(arch, tuple) and len(arch) == _MACRO_LAYERS and all(type(v) is int for v in arch)
        want = f"{_MACRO_LAYERS} digits (one op code per layer, e.g. '02012100')"
    else:
        return
    if not ok:
        raise ValueError(f"{space} architecture key must be {want}, got {arch!r:.160}")


@dataclass(frozen=True)
class ArchRecord:
    """One architecture (plain-int tuple encoding), its ground truth (None if unlabelled) and proxy scores.

    ``times`` holds the seconds each proxy took for this architecture where the source file stores them
    (NAS-Bench-Suite-Zero ``{"score", "time"}`` values, measured on NASLib's machines); empty otherwise.
    The dicts are shared with the in-process cache: treat them as read-only.
    """

    arch: tuple
    y: float | None
    proxies: dict[str, float] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Benchmark:
    """Every record of one (search space, task), with where it came from.

    ``duplicates`` counts records dropped because their architecture had already appeared (the first is
    kept); ``notes`` says anything else worth knowing about how the records were assembled.
    """

    name: str
    space: str
    task: str
    records: list[ArchRecord]
    source: str
    duplicates: int = 0
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.records)

    @property
    def archs(self) -> list[tuple]:
        """Architecture keys in record order."""
        return [r.arch for r in self.records]

    @property
    def y(self) -> np.ndarray:
        """Ground truth in record order (NaN where unlabelled)."""
        return np.array([np.nan if r.y is None else r.y for r in self.records], dtype=np.float64)

    @property
    def proxy_names(self) -> list[str]:
        """Proxies present in at least one record, sorted."""
        return sorted({p for r in self.records for p in r.proxies})

    def has_proxy(self, name: str) -> np.ndarray:
        """Boolean mask: which records carry a value (possibly a failed one) for the proxy."""
        self._check_proxy(name)
        return np.array([name in r.proxies for r in self.records], dtype=bool)

    def proxy(self, name: str) -> np.ndarray:
        """Raw proxy values as stored (failures kept as stored; NaN where a record lacks the proxy)."""
        self._check_proxy(name)
        return np.array([r.proxies.get(name, np.nan) for r in self.records], dtype=np.float64)

    def proxy_time(self, name: str) -> np.ndarray:
        """Stored per-architecture seconds of a proxy (NaN where the source has no time for the record)."""
        self._check_proxy(name)
        return np.array([r.times.get(name, np.nan) for r in self.records], dtype=np.float64)

    def proxy_naslib(self, name: str) -> tuple[np.ndarray, int]:
        """Same as :func:`naslib_scores` (failures -> -1e8, their count)."""
        return naslib_scores(self, name)

    def _check_proxy(self, name: str) -> None:
        if not any(name in r.proxies for r in self.records):
            raise KeyError(f"benchmark {self.name!r} has no proxy {name!r}; it has: {', '.join(self.proxy_names)}")


def naslib_scores(bench: Benchmark, name: str) -> tuple[np.ndarray, int]:
    """Proxy values with failures (NaN, inf, <= -1e8) set to -1e8 as NASLib does, and how many failed.

    Records that lack the proxy altogether (merged benchmarks) stay NaN and are not counted as failures.
    """
    raw = bench.proxy(name)
    present = bench.has_proxy(name)
    failed = present & ~(np.isfinite(raw) & (raw > FAILED))
    return np.where(failed, FAILED, raw), int(failed.sum())
