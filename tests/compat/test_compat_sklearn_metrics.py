"""compat.sklearn_metrics: mean_squared_error(squared=False) (removed in scikit-learn 1.6) returns the RMSE."""

import math

import numpy as np
import pytest

from conftest import compat_module

fix = compat_module("sklearn_metrics")


def test_squared_false_is_rmse():
    metrics = pytest.importorskip("sklearn.metrics",
                                  reason="scikit-learn is one of NASLib's dependencies (scripts/setup_naslib.sh)")
    assert fix.shim_sklearn_squared() is True
    assert fix.shim_sklearn_squared() is True  # idempotent
    assert getattr(metrics.mean_squared_error.__wrapped__, "__tgnas_compat__", False) is False  # wrapped once

    y = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    p = np.array([1.5, 1.0, 3.0, 6.0, 7.0])
    mse = (0.25 + 1 + 0 + 4 + 9) / 5
    assert metrics.mean_squared_error(y, p, squared=False) == pytest.approx(math.sqrt(mse))
    assert metrics.mean_squared_error(y, p, squared=True) == pytest.approx(mse)
    assert metrics.mean_squared_error(y, p) == pytest.approx(mse)
    w = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    assert metrics.mean_squared_error(y, p, sample_weight=w, squared=False) == pytest.approx(math.sqrt(5.25 / 4))
    from sklearn import metrics as m2  # the way NASLib resolves it

    assert m2.mean_squared_error(y, p, squared=False) == pytest.approx(math.sqrt(mse))
