"""compat.hashes: numpy-2 hashes become the plain-int strings of NASLib's zc json keys."""

import numpy as np

from conftest import compat_module

fix = compat_module("hashes")


def test_plain_hash_converts_nested_numpy_scalars():
    h = (np.int64(2), (np.int32(1), [np.int64(3), np.float64(0.5)]), np.bool_(True), "x", 7)
    out = fix.plain_hash(h)
    assert out == (2, (1, [3, 0.5]), True, "x", 7)
    assert type(out[0]) is int and type(out[1][1][0]) is int and type(out[1][1][1]) is float
    assert isinstance(out[1], tuple) and isinstance(out[1][1], list)  # container types kept
    assert fix.plain_hash(np.array([[1, 2], [3, 4]], dtype=np.int64)) == ((1, 2), (3, 4))
    assert str((np.int64(2),)) != "(2,)"  # the numpy >= 2 behaviour the fix exists for
    assert fix.zc_key((np.int64(2), np.int64(0))) == "(2, 0)"


def test_zc_key_nasbench301_uses_list_form():
    class FakeGraph:  # NASLib's NB301 graph: a tuple of two tuples of (node, op) pairs
        def get_hash(self):
            return ((np.int64(0), np.int64(4)), (np.int64(1), np.int64(3))), ((np.int64(0), np.int64(3)),)

        def get_type(self):
            return "nasbench301"

    assert fix.zc_key(FakeGraph()) == "[[(0, 4), (1, 3)], [(0, 3)]]"
    assert fix.zc_key(FakeGraph().get_hash(), space="nasbench301") == "[[(0, 4), (1, 3)], [(0, 3)]]"
    assert fix.zc_key(FakeGraph().get_hash()) == "(((0, 4), (1, 3)), ((0, 3),))"


def test_canonical_zc_key_reads_every_form_naslib_looks_up():
    nb301 = "(((0, 4), (1, 3)), ((0, 3),))"  # str(get_hash()) of a sampled NB301 graph
    assert fix.canonical_zc_key(nb301, "nasbench301") == "[[(0, 4), (1, 3)], [(0, 3)]]"  # the zc json form
    assert fix.canonical_zc_key("[[(0, 4), (1, 3)], [(0, 3)]]", "nasbench301") == "[[(0, 4), (1, 3)], [(0, 3)]]"
    numpy2 = str((np.int64(0), np.int64(1), np.int64(1)))  # str(get_hash()) of an NB101 graph under numpy 2
    assert numpy2 != "(0, 1, 1)" and fix.canonical_zc_key(numpy2, "nasbench101") == "(0, 1, 1)"
    assert fix.canonical_zc_key("(2, 2, 0, 2, 2, 2)", "nasbench201") == "(2, 2, 0, 2, 2, 2)"
    for not_a_hash in ("val_accuracy", "tgnas", "__import__('os')", "3", ""):
        assert fix.canonical_zc_key(not_a_hash, "nasbench201") is None
