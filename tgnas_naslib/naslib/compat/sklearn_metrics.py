"""Fix: scikit-learn >= 1.6 removed ``mean_squared_error(..., squared=False)``.

Evidence: NASLib ``naslib/utils/zerocost.py::compute_scores``, ``naslib/defaults/predictor_evaluator.py``
and ``naslib/utils/__init__.py::cross_validation`` call ``metrics.mean_squared_error(y, pred,
squared=False)`` after ``from sklearn import metrics``. ``compute_scores`` wraps everything in a bare
``except:`` and then silently returns NaN for EVERY metric (spearman, kendalltau, ... included), not just
rmse. Fix: replace the attribute ``sklearn.metrics.mean_squared_error`` (resolved by NASLib at call time)
with a wrapper that accepts ``squared=`` and returns the RMSE for ``squared=False``.
"""

from __future__ import annotations

from collections.abc import Callable

from tgnas_naslib.extras import optional

from ._marker import MARK, is_ours


def _rmse(original: Callable, y_true, y_pred, **kwargs):
    root_mean_squared_error = getattr(optional("sklearn.metrics"), "root_mean_squared_error", None)  # >= 1.4
    if root_mean_squared_error is None:  # pragma: no cover - old scikit-learn still takes squared=
        return original(y_true, y_pred, squared=False, **kwargs)
    return root_mean_squared_error(y_true, y_pred, **kwargs)


def shim_sklearn_squared() -> bool:
    """Make ``sklearn.metrics.mean_squared_error`` accept ``squared=``; False when scikit-learn is absent."""
    skm = optional("sklearn.metrics")
    if skm is None:
        return False
    if is_ours(skm.mean_squared_error):
        return True
    original = skm.mean_squared_error

    def mean_squared_error(y_true, y_pred, *args, squared: bool = True, **kwargs):
        """scikit-learn's mean_squared_error, with the removed ``squared=`` keyword restored (tgnas compat)."""
        if squared:
            return original(y_true, y_pred, *args, **kwargs)
        if args:  # positional sample_weight / multioutput, as the old signature allowed
            kwargs.update(dict(zip(("sample_weight", "multioutput"), args)))
        return _rmse(original, y_true, y_pred, **kwargs)

    mean_squared_error.__wrapped__ = original
    setattr(mean_squared_error, MARK, True)
    skm.mean_squared_error = mean_squared_error
    return True
