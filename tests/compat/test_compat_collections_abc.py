"""compat.collections_abc: collections.Iterable & co. (removed in Python 3.10) are aliased back."""

import collections
import collections.abc

from conftest import compat_module

fix = compat_module("collections_abc")


def test_aliases_are_the_abc_classes():
    fix.alias_collections_abc()
    for name in ("Iterable", "Sequence", "Mapping", "MutableMapping", "Callable", "Hashable"):
        assert getattr(collections, name) is getattr(collections.abc, name)
    assert isinstance([1], collections.Iterable)


def test_idempotent():
    fix.alias_collections_abc()
    assert fix.alias_collections_abc() == []
