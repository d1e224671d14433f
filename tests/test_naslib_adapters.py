"""NASLib graph -> core architecture adapters, with duck-typed stand-ins for NASLib graphs (no NASLib needed).

``tgnas_naslib/naslib/__init__.py`` raises ImportError without NASLib (by design), so the adapters module is
loaded straight from its file: it never imports NASLib.
"""

from __future__ import annotations

import numpy as np
import pytest

from tgnas_naslib.graph import ArchitectureError
from tgnas_naslib.spaces import to_graph

from conftest import load_naslib_module, requires_benchmark

ad = load_naslib_module("adapters.py")


def _records(name: str, n: int = 12):
    from tgnas_naslib.datasets import load_benchmark

    requires_benchmark(name)
    return load_benchmark(name).records[:n]


class FakeGraph:
    """What the adapters read from a NASLib graph: get_type() and get_hash() (+ get_spec / get_compact)."""

    def __init__(self, space, hash_, spec=None, compact=None):
        self._space, self._hash, self._spec, self._compact = space, hash_, spec, compact

    def get_type(self):
        return self._space

    def get_hash(self):
        return self._hash

    def get_spec(self):
        return self._spec

    def get_compact(self):
        return self._compact


def _np_ints(t):
    """A hash as NASLib gives it under numpy >= 2: np.int64 entries."""
    if isinstance(t, tuple):
        return tuple(_np_ints(v) for v in t)
    return np.int64(t) if isinstance(t, int) else t


@pytest.mark.parametrize("name,space", [("nb201_cifar10_491", "nasbench201"),
                                        ("tnb101_micro_jigsaw_4096", "transbench101_micro")])
def test_cell_spaces_from_hash(name, space):
    for rec in _records(name):
        g = FakeGraph(space, _np_ints(rec.arch))
        assert ad.space_of(g) == space
        enc = ad.encoding_of(g)
        assert enc == rec.arch and all(type(v) is int for v in enc)
        assert ad.to_arch_graph(g) == to_graph(rec.arch, space)


def test_nasbench101_spec_and_hash():
    from tgnas_naslib.spaces import get_space

    nb101 = get_space("nasbench101")
    for rec in _records("nb101_500"):
        matrix, ops = nb101.canonical(rec.arch)
        spec = {"matrix": np.array(matrix), "ops": list(ops)}  # what NASLib's get_spec() holds
        from_spec = FakeGraph("nasbench101", None, spec=spec)
        from_hash = FakeGraph("nasbench101", _np_ints(rec.arch))
        expected = to_graph(rec.arch, "nasbench101")
        assert ad.to_arch_graph(from_spec) == expected
        assert ad.to_arch_graph(from_hash) == expected
        assert ad.arch_of(from_spec) == ad.arch_of(from_hash) == ("nasbench101", (matrix, ops))


def test_nasbench301_compact_and_hash():
    for rec in _records("nb301_500"):
        compact = _np_ints(rec.arch)
        expected = to_graph(rec.arch, "nasbench301")
        assert ad.to_arch_graph(FakeGraph("nasbench301", compact, compact=compact)) == expected
        # an un-parsed clone with instantiate_model=False may have get_compact() None before set_spec
        assert ad.to_arch_graph(FakeGraph("nasbench301", compact, compact=None)) == expected


def test_transbench101_macro_padding():
    g = FakeGraph("transbench101_macro", (np.int64(4), 1, 4, 1, 4, 0))
    assert ad.encoding_of(g) == (4, 1, 4, 1, 4, 0)
    assert ad.arch_of(g) == ("transbench101_macro", (4, 1, 4, 1, 4))
    assert ad.to_arch_graph(g) == to_graph((4, 1, 4, 1, 4), "transbench101_macro")


def test_disconnected_nb201_and_batch():
    graphs = [FakeGraph("nasbench201", (1, 1, 1, 1, 1, 1)), FakeGraph("nasbench201", (2, 2, 0, 2, 2, 2))]
    out = ad.arch_graphs(graphs)
    assert not out[0].is_connected and out[1].is_connected


def test_errors_are_clear():
    with pytest.raises(ArchitectureError, match="not supported"):
        ad.space_of(FakeGraph("nlp", (1, 2)))
    with pytest.raises(ArchitectureError, match="no get_type"):
        ad.space_of(object())
    with pytest.raises(ArchitectureError, match="no architecture set"):
        ad.encoding_of(FakeGraph("nasbench201", None))
    with pytest.raises(ArchitectureError):
        ad.to_arch_graph(FakeGraph("nasbench201", (9, 9, 9, 9, 9, 9)))
