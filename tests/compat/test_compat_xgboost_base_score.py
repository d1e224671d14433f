"""compat.xgboost_base_score: NASLib's xgb.train gets base_score 0.5 (xgboost < 2.0's intercept) by default."""

import types

import numpy as np
import pytest

from conftest import compat_module

fix = compat_module("xgboost_base_score")


def test_needs_fix_from_version_2():
    assert fix.needs_fix("2.0.0") and fix.needs_fix("3.2.0")
    assert not fix.needs_fix("1.4.2") and not fix.needs_fix("weird")


def test_proxy_defaults_base_score_only():
    calls = []
    fake = types.ModuleType("xgboost")
    fake.train = lambda params, *a, **k: calls.append((params, a, k)) or "booster"
    fake.DMatrix = object
    proxy = fix.LegacyInterceptXGBoost(fake)
    assert proxy.train({"max_depth": 6}, "data", num_boost_round=5) == "booster"
    assert calls[-1] == ({"max_depth": 6, "base_score": 0.5}, ("data",), {"num_boost_round": 5})
    proxy.train({"base_score": 0.1}, "data")
    assert calls[-1][0]["base_score"] == 0.1  # an explicit value is kept
    assert proxy.DMatrix is object  # everything else is xgboost's own


def test_real_xgboost_intercept_changed():
    """Evidence: xgboost >= 2 fits a different model unless base_score is fixed; the proxy restores 0.5."""
    xgb = pytest.importorskip("xgboost",
                              reason="xgboost is one of NASLib's dependencies (scripts/setup_naslib.sh)")
    if not fix.needs_fix(xgb.__version__):
        pytest.skip(f"xgboost {xgb.__version__} < 2.0 has the old intercept")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = x[:, 0] * 2 + 5.0  # mean far from 0.5
    dm = xgb.DMatrix(x, label=y)
    params = {"max_depth": 2, "learning_rate": 0.3}
    auto = xgb.train(params, dm, num_boost_round=1).predict(dm)
    legacy = fix.LegacyInterceptXGBoost(xgb).train(params, dm, num_boost_round=1).predict(dm)
    fixed = xgb.train({**params, "base_score": 0.5}, dm, num_boost_round=1).predict(dm)
    assert np.allclose(legacy, fixed) and not np.allclose(auto, fixed)
