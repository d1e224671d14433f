"""compat.ngboost_rng: NASLib's ngboost base learners draw from numpy's global RNG again (ngboost >= 0.6)."""

import copy
import pickle

import numpy as np
import pytest

from conftest import compat_module

fix = compat_module("ngboost_rng")


def test_global_random_state_draws_the_global_stream():
    np.random.seed(7)
    expect = np.random.randint(0, 1000, size=5).tolist()
    np.random.seed(7)
    assert fix.GLOBAL_RNG.randint(0, 1000, size=5).tolist() == expect
    assert copy.deepcopy(fix.GLOBAL_RNG) is fix.GLOBAL_RNG and copy.copy(fix.GLOBAL_RNG) is fix.GLOBAL_RNG
    assert pickle.loads(pickle.dumps(fix.GLOBAL_RNG)) is fix.GLOBAL_RNG


def test_needs_fix_from_0_6():
    assert fix.needs_fix("0.6.0") and fix.needs_fix("1.0")
    assert not fix.needs_fix("0.5.11") and not fix.needs_fix("0.3.11")


def test_tree_factory_keeps_sklearn_clone_on_the_global_stream():
    tree = pytest.importorskip("sklearn.tree",
                               reason="scikit-learn is one of NASLib's dependencies (scripts/setup_naslib.sh)")
    from sklearn.base import clone

    make = fix._tree_factory(tree.DecisionTreeRegressor)
    t = make(max_depth=3)
    assert isinstance(t, tree.DecisionTreeRegressor) and t.random_state is fix.GLOBAL_RNG
    assert clone(t).random_state is fix.GLOBAL_RNG  # ngboost clones its base learner per parameter
    assert make(random_state=3).random_state == 3  # an explicit seed is kept
    x = np.random.default_rng(0).normal(size=(30, 4))
    y = x[:, 0]
    np.random.seed(1)
    a = clone(make(max_features=0.5)).fit(x, y).predict(x)
    np.random.seed(1)
    b = tree.DecisionTreeRegressor(max_features=0.5, random_state=None).fit(x, y).predict(x)
    assert np.array_equal(a, b)  # the same draws as random_state=None (the global RNG)
