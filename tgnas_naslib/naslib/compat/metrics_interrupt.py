"""Fix: NASLib's metrics swallow Ctrl-C, and spend minutes on a large test set without a word.

Evidence: ``naslib/utils/zerocost.py::compute_scores`` and
``naslib/defaults/predictor_evaluator.py::PredictorEvaluator.compare`` compute their metrics inside a bare
``except:``, which also catches ``KeyboardInterrupt``: Ctrl-C while they run (``test_size=15625`` takes minutes)
fills every metric with NaN, the run goes on, writes a ``scores.json`` with spearman NaN and exits 0. Their
precision@k loops sort the whole test set once per architecture, so their time grows with the square of its size
(about 1 s for 1,000 architectures, 4-5 min for 15,625 on 2 cores), with no progress shown.
Fix: while they run, Ctrl-C is remembered (and still stops them at once); when they return, the interrupt is raised
again, so the run stops with nothing written. On more than :data:`WARN_AT` architectures a warning first says how
long they will take (measured on this machine from a small sample) and a line every :data:`TICK_SECONDS` seconds
says they are still running.
"""

from __future__ import annotations

import functools
import importlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from ._marker import MARK, is_ours
from ._rebind import mark_replacement, rebind_naslib_function

logger = logging.getLogger("naslib.tgnas")

#: from this many architectures on, NASLib's metrics announce their (quadratic) time and show they are alive
WARN_AT = 3000
#: seconds between two "still computing" lines
TICK_SECONDS = 30.0
#: architectures of the timed sample the estimate scales from
_SAMPLE = 400
_per_pair: dict[str, float] = {}


def _seconds_per_pair(what: str, metrics: Callable[..., Any]) -> float:
    """Seconds per pair of architectures of NASLib's ``what`` on this machine (timed once on a small random
    sample)."""
    if what not in _per_pair:
        import numpy as np

        rng = np.random.default_rng(0)
        t0 = time.perf_counter()
        metrics(rng.random(_SAMPLE), rng.random(_SAMPLE))
        _per_pair[what] = (time.perf_counter() - t0) / _SAMPLE**2
    return _per_pair[what]


def _announce(n: int, what: str, metrics: Callable[..., Any]) -> threading.Event:
    """Warn how long ``what`` takes on ``n`` architectures, then log every TICK_SECONDS until the event is set."""
    estimate = _seconds_per_pair(what, metrics) * n * n
    logger.warning("NASLib's %s takes time quadratic in the number of architectures: about %.0f s for %d here "
                   "(a smaller test_size is much faster; Ctrl-C stops it, with nothing written)", what, estimate, n)
    done = threading.Event()
    t0 = time.perf_counter()

    def tick() -> None:
        while not done.wait(TICK_SECONDS):
            logger.warning("  still computing NASLib's %s: %.0f s of about %.0f s", what, time.perf_counter() - t0,
                           estimate)

    threading.Thread(target=tick, name="tgnas-metrics-progress", daemon=True).start()
    return done


def _n_archs(args: tuple, kwargs: dict) -> int:
    """The number of architectures of a ``(ytest, test_pred)`` call (positional, keywords, or after ``self``)."""
    return max((len(v) for v in (*args, *kwargs.values()) if hasattr(v, "__len__") and not isinstance(v, str)),
               default=0)


def interruptible(fn: Callable[..., Any], what: str, metrics: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """``fn`` that re-raises a Ctrl-C its own bare ``except:`` swallowed, and announces a long run (see the module
    doc); ``metrics(ytest, pred)`` is what the estimate times (default ``fn`` itself)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        n = _n_archs(args, kwargs)
        done = _announce(n, what, metrics or fn) if n > WARN_AT else None
        hit: list[int] = []
        main = threading.current_thread() is threading.main_thread()
        previous = signal.getsignal(signal.SIGINT) if main else None

        def handler(signum: int, frame: Any) -> None:
            hit.append(signum)
            raise KeyboardInterrupt

        if previous is not None:
            signal.signal(signal.SIGINT, handler)
        try:
            result = fn(*args, **kwargs)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            if done is not None:
                done.set()
        if hit:
            raise KeyboardInterrupt
        return result

    return mark_replacement(wrapper, fn)


def patch_naslib_interrupts() -> dict[str, Any]:
    """Install :func:`interruptible` on NASLib's ``compute_scores`` (everywhere it was bound) and on
    ``PredictorEvaluator.compare`` (idempotent); returns what was patched."""
    zc = importlib.import_module("naslib.utils.zerocost")
    current = zc.compute_scores
    original = current.original if is_ours(current) else current
    new = current if is_ours(current) else interruptible(original, "metrics (compute_scores)")
    zc.compute_scores = new
    done: dict[str, Any] = {"compute_scores": rebind_naslib_function("compute_scores", new, (original,))}
    evaluator = importlib.import_module("naslib.defaults.predictor_evaluator").PredictorEvaluator
    if not is_ours(evaluator.__dict__.get("compare")):
        compare = evaluator.compare
        evaluator.compare = interruptible(compare, "metrics (PredictorEvaluator.compare)",
                                          lambda y, p: compare(None, y, p))  # its self is unused
    done["compare"] = getattr(evaluator.compare, MARK, False)
    return done
