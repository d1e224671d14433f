"""Issue 20, item 6: the graph memo is bounded by bytes, and one score() call builds graphs a chunk at a time with
the same scores as scoring every graph at once."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

from tgnas_naslib import TGNAS
from tgnas_naslib.spaces import GraphMemo, _build_graph, _cached_graph, get_space

from conftest import assert_same_scores


def _darts(n: int, seed: int = 0) -> list:
    space = get_space("darts")
    rng = np.random.default_rng(seed)
    return [space.compact(space.random(rng)) for _ in range(n)]


def test_memo_stays_within_its_byte_budget_and_is_lru():
    space = get_space("darts")
    archs = [space.canonical(a) for a in _darts(300)]
    one = GraphMemo.size_of(_build_graph(space.name, archs[0], "prune"))
    memo = GraphMemo(_build_graph, 50 * one)
    for a in archs:
        memo(space.name, a, "prune")
        assert memo.nbytes <= memo.max_bytes
    assert 40 <= len(memo) <= 70  # graphs differ in size (skip_connect adds no node)
    last = memo(space.name, archs[-1], "prune")
    assert memo(space.name, archs[-1], "prune") is last and memo.hits == 2  # the newest stays
    memo(space.name, archs[0], "prune")  # long evicted: built again
    assert memo.misses == 301
    memo.cache_clear()
    assert len(memo) == 0 and memo.nbytes == 0


def test_memo_size_estimate_bounds_the_real_bytes():
    space = get_space("darts")
    archs = [space.canonical(a) for a in _darts(2000, seed=1)]
    memo = GraphMemo(_build_graph, 1 << 40)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for a in archs:
        memo(space.name, a, "prune")
    real = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # the keys (the canonical archs) were made before; the memo's own entries and graphs are counted
    assert real <= memo.nbytes, (real, memo.nbytes)


@pytest.mark.slow  # 3,000 DARTS graphs built twice: ~20 s
def test_score_builds_graphs_chunk_by_chunk_with_the_same_scores():
    model = TGNAS.pretrained()
    archs = _darts(3000, seed=2)
    _cached_graph.cache_clear()
    whole = model.score_graphs(model.graphs(archs, "darts"))  # every graph built first, then scored
    _cached_graph.cache_clear()
    chunked = model.score(archs, "darts", batch_size=257)
    assert_same_scores(chunked, whole)
    assert_same_scores(model.score(archs[:5], ["darts"] * 5), whole[:5])
    assert _cached_graph.nbytes <= _cached_graph.max_bytes


def test_score_holds_no_more_than_a_chunk_of_graphs():
    model = TGNAS.pretrained("nb101")  # cell graphs: built, scored and dropped a chunk at a time
    archs = _darts(4096, seed=3)
    model.score(archs[:10], "darts")  # warm-up: model, engine, tables
    _cached_graph.cache_clear()
    small = GraphMemo(_build_graph, 0)  # a memo that keeps (almost) nothing: only what score() itself holds counts
    import tgnas_naslib.spaces as spaces

    saved, spaces._cached_graph = spaces._cached_graph, small
    try:
        gc.collect()
        tracemalloc.start()
        model.score(archs, "darts", batch_size=256)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        spaces._cached_graph = saved
    per_graph = GraphMemo.size_of(_build_graph("nasbench301", get_space("darts").canonical(archs[0]), "prune"))
    assert peak < 1500 * per_graph, (peak, per_graph)  # 4,096 graphs at once would take ~4,096 per_graph
