"""compat.metrics_interrupt: Ctrl-C inside NASLib's metrics (a bare ``except:``) stops the run instead of giving NaN
metrics and exit status 0; a large test set is announced with an estimate and shows it is alive."""

from __future__ import annotations

import logging
import math
import os
import signal

import numpy as np
import pytest

from conftest import NEEDS_NASLIB, compat_module, naslib_importable

fix = compat_module("metrics_interrupt")


def _naslib_like(ytest, pred):
    """NASLib's pattern: metrics inside a bare ``except:`` (here the Ctrl-C arrives in the middle)."""
    try:
        os.kill(os.getpid(), signal.SIGINT)
        return {"spearman": 0.5}
    except:  # noqa: E722 -- NASLib's own bare except, reproduced
        return {"spearman": float("nan")}


def test_a_swallowed_ctrl_c_is_raised_again():
    assert math.isnan(_naslib_like([1, 2], [1, 2])["spearman"])  # unwrapped: swallowed, NaN, the run goes on
    wrapped = fix.interruptible(_naslib_like, "metrics")
    with pytest.raises(KeyboardInterrupt):
        wrapped([1.0, 2.0], [1.0, 2.0])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Python's own handler is back


def test_without_an_interrupt_the_result_is_unchanged():
    wrapped = fix.interruptible(lambda y, p: {"n": len(y)}, "metrics")
    assert wrapped([1, 2, 3], [3, 2, 1]) == {"n": 3}


def test_a_large_test_set_is_announced_with_an_estimate(monkeypatch, caplog):
    monkeypatch.setattr(fix, "WARN_AT", 5)
    monkeypatch.setitem(fix._per_pair, "metrics (test)", 1e-3)
    wrapped = fix.interruptible(lambda y, p: {"n": len(y)}, "metrics (test)")
    with caplog.at_level(logging.WARNING, logger="naslib.tgnas"):
        assert wrapped(np.zeros(100), np.zeros(100)) == {"n": 100}
    (line,) = [r.getMessage() for r in caplog.records]
    assert "quadratic" in line and "about 10 s for 100 here" in line


@pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)
def test_naslib_compute_scores_and_compare_pass_ctrl_c(monkeypatch):
    import naslib.utils as nu
    import naslib.utils.zerocost as zc
    from naslib.defaults.predictor_evaluator import PredictorEvaluator

    import tgnas_naslib.naslib  # noqa: F401  (applies the fix)

    assert nu.compute_scores is zc.compute_scores and getattr(zc.compute_scores, fix.MARK)
    y = np.arange(30.0)
    with monkeypatch.context() as m:
        m.setattr(zc, "p_at_tb_k", lambda *a: os.kill(os.getpid(), signal.SIGINT) or [])
        with pytest.raises(KeyboardInterrupt):
            nu.compute_scores(y, y)
    assert nu.compute_scores(y, y)["spearman"] == pytest.approx(1.0, abs=1e-12)
    with monkeypatch.context() as m:
        m.setattr(np, "corrcoef", lambda *a, **k: os.kill(os.getpid(), signal.SIGINT))
        with pytest.raises(KeyboardInterrupt):
            PredictorEvaluator.compare(None, y, y)
