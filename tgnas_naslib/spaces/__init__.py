"""Search-space adapters: every benchmark encoding -> :class:`~tgnas_naslib.graph.ArchGraph`.

``SPACES`` maps NASLib's space names (``Graph.get_type()``) to adapters, NASLib-style; ``to_graph`` is the
one entry point the scorer uses. ``SPACES`` is the one registry of spaces: every other list of space names
(``datasets.records.SPACES``, ``naslib.adapters.SUPPORTED_SPACES``, ``search.SEARCH_SPACES``,
``naslib.optimizer.SUPPORTED``, ``naslib.runconfig.SPACES``) is derived from it with :func:`supporting`, so a new
space is added here (and its adapter states what it ``supports``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Iterable

from ..graph import ArchGraph, ArchitectureError
from . import darts_skeletons
from .base import (
    DEFAULT_REPRESENTATION,
    FEATURES,
    NASLIB,
    NASLIB_PREDICTOR_EVALUATION,
    NASLIB_ZC,
    REPRESENTATIONS,
    SEARCH,
    TABLE,
    SearchSpace,
    check_representation,
    plain,
)
from .darts import Darts
from .nasbench101 import NasBench101
from .nasbench201 import NasBench201
from .nasbench_macro import NasBenchMacro
from .transbench101 import TransBench101Macro, TransBench101Micro

SPACES: dict[str, SearchSpace] = {
    s.name: s for s in (NasBench101(), NasBench201(), Darts(), TransBench101Micro(), TransBench101Macro(),
                         NasBenchMacro())
}
_ALIASES = {alias: s.name for s in SPACES.values() for alias in (s.name, *s.aliases)}
#: spaces whose skeletons are laid out many at once with array operations (no packaged table: not enumerable)
BATCH_SKELETONS: dict[str, Callable[[SearchSpace, list], list]] = {Darts.name: darts_skeletons.skeletons}
#: architectures per table laid out at once (``score`` lays out a chunk at a time; ``graphs`` of many archs gets
#: several tables of this size, so memory stays bounded)
LAYOUT_CHUNK = 4096


def supporting(*features: str) -> tuple[str, ...]:
    """The names of the registered spaces that support every one of ``features`` (all spaces for none), in
    registry order: ``supporting(NASLIB, SEARCH)`` are the spaces NASLib has and tgnas search can search."""
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ValueError(f"unknown space feature(s) {unknown}; known: {', '.join(FEATURES)}")
    return tuple(name for name, space in SPACES.items() if space.supports.issuperset(features))


def get_space(name: str) -> SearchSpace:
    """Look up an adapter by NASLib name or alias (``nasbench201``, ``nb201``, ``darts``...)."""
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise ArchitectureError(f"unknown search space {name!r}; known: {', '.join(SPACES)}")
    return SPACES[_ALIASES[key]]


class GraphMemo:
    """The graph memo: an LRU of built graphs bounded by their estimated bytes (not by their count), so a stream
    of millions of large graphs (DARTS: ~20 nodes, ~37 edges) stays flat while every NB201 / TNB101 cell graph fits.

    Called like the function it wraps (``memo(space, canonical, representation)``); ``cache_clear()`` and
    ``cache_info()`` as :func:`functools.lru_cache` has them."""

    def __init__(self, build: Callable[[str, Any, str], ArchGraph], max_bytes: int) -> None:
        self._build = build
        self.max_bytes = int(max_bytes)
        self._graphs: OrderedDict[tuple, tuple[ArchGraph, int]] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0
        self._lock = threading.Lock()

    @staticmethod
    def size_of(graph: Any) -> int:
        """Estimated bytes a memoised graph keeps alive: the object, its node and edge tuples (edge pairs are
        counted in full, though the fast adapters share them) and the key (an upper bound; tested). A skeleton:
        every block graph counted as if it were not shared with other skeletons."""
        if hasattr(graph, "blocks"):
            return 1024 + sum(GraphMemo.size_of(b.graph) + 200 + 80 * len(b.feats) for b in graph.blocks)
        return 1024 + 24 * len(graph.ops) + 72 * len(graph.edges)

    def __call__(self, space: str, canonical: Any, representation: str) -> ArchGraph:
        key = (space, canonical, representation)
        with self._lock:
            hit = self._graphs.get(key)
            if hit is not None:
                self._graphs.move_to_end(key)
                self.hits += 1
                return hit[0]
            self.misses += 1
        graph = self._build(space, canonical, representation)  # outside the lock: graphs build in parallel
        size = self.size_of(graph)
        with self._lock:
            if key not in self._graphs:
                self._graphs[key] = (graph, size)
                self._bytes += size
            while self._bytes > self.max_bytes and len(self._graphs) > 1:
                self._bytes -= self._graphs.popitem(last=False)[1][1]
        return graph

    @property
    def nbytes(self) -> int:
        """Estimated bytes held now (at most ``max_bytes``)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._graphs)

    def cache_clear(self) -> None:
        """Forget every graph."""
        with self._lock:
            self._graphs.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def cache_info(self) -> tuple[int, int, int, int]:
        """(hits, misses, max_bytes, entries)."""
        return self.hits, self.misses, self.max_bytes, len(self._graphs)


def _build_graph(space: str, canonical: Any, representation: str) -> ArchGraph:
    if representation == "network":
        return SPACES[space].network_graph(canonical)
    if representation == "skeleton":
        from .skeletons import load_skeletons

        table = load_skeletons(space)
        hit = table.skeleton(canonical) if table is not None else None
        return hit if hit is not None else SPACES[space].skeleton(canonical)
    return SPACES[space].graph(canonical, representation)


#: estimated bytes the graph memo keeps: every NB201 + TNB101 cell graph fits (~23k graphs, ~37 MB estimated), or
#: ~18k DARTS graphs (issue 20: it was 32,768 graphs of any size)
MEMO_BYTES = 64 << 20
_cached_graph = GraphMemo(_build_graph, MEMO_BYTES)


def _ready(arch: Any) -> bool:
    """A model input already built: an ArchGraph or a Skeleton (returned as they are)."""
    return isinstance(arch, ArchGraph) or getattr(arch, "kind", None) == "skeleton"


def to_graph(arch: Any, space: str | None = None, representation: str = DEFAULT_REPRESENTATION) -> ArchGraph:
    """Turn one architecture in any supported encoding (or a ready ArchGraph / Skeleton) into its graph
    (memoised)."""
    if _ready(arch):
        return arch
    if space is None:
        raise ArchitectureError(f"say which search space {arch!r:.80} belongs to (space=...)")
    adapter = get_space(space)
    check_representation(representation)
    return _cached_graph(adapter.name, adapter.canonical(arch), representation)


def to_graphs(archs: Iterable[Any], space: str | None = None,
              representation: str = DEFAULT_REPRESENTATION) -> list[ArchGraph]:
    """:func:`to_graph` for many architectures of one space (the adapter looked up once)."""
    check_representation(representation)
    if space is None:
        return [to_graph(a, None, representation) for a in archs]
    adapter = get_space(space)
    name, canonical = adapter.name, adapter.canonical
    from .tables import load_table  # imported here: `python -m tgnas_naslib.spaces.tables` runs it as a script

    if representation == "skeleton":
        from .skeletons import load_skeletons

        table = load_skeletons(name)
        lookup = table.skeleton if table is not None else None
    else:
        table = load_table(name) if representation == "network" else None
        lookup = table.graph if table is not None else None
    lay_out = BATCH_SKELETONS.get(name) if representation == "skeleton" and lookup is None else None
    if lay_out is not None:  # no packaged table: the adapter lays out LAYOUT_CHUNK architectures at a time
        out = list(archs)
        todo = [i for i, a in enumerate(out) if not _ready(a)]
        for start in range(0, len(todo), LAYOUT_CHUNK):
            part = todo[start:start + LAYOUT_CHUNK]
            for i, sk in zip(part, lay_out(adapter, [canonical(out[i]) for i in part])):
                out[i] = sk
        return out
    if lookup is not None:  # the table is the memo: one lookup per architecture
        return [a if _ready(a) else lookup(c := canonical(a)) or _cached_graph(name, c, representation)
                for a in archs]
    return [a if _ready(a) else _cached_graph(name, canonical(a), representation) for a in archs]


__all__ = ["SPACES", "SearchSpace", "get_space", "supporting", "to_graph", "to_graphs", "REPRESENTATIONS",
           "DEFAULT_REPRESENTATION", "plain", "FEATURES", "NASLIB", "NASLIB_ZC", "NASLIB_PREDICTOR_EVALUATION",
           "SEARCH", "TABLE"]
