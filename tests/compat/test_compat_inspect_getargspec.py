"""compat.inspect_getargspec: inspect.getargspec (removed in Python 3.11) is restored over getfullargspec."""

import inspect

from conftest import compat_module

fix = compat_module("inspect_getargspec")


def test_getargspec_restored():
    assert fix.restore_inspect_getargspec() is True
    assert fix.restore_inspect_getargspec() is True  # idempotent: still ours

    def f(a, b=2, *args, **kw):
        return a

    spec = inspect.getargspec(f)
    assert (spec.args, spec.varargs, spec.keywords, spec.defaults) == (["a", "b"], "args", "kw", (2,))
