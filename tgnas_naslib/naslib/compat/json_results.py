"""Fix: NASLib's evaluators cannot write results that hold numpy ``float32`` scalars (no errors.json at all).

Evidence: ``naslib/defaults/predictor_evaluator.py::PredictorEvaluator._log_to_json`` (and the zc evaluator's)
converts only top-level ``np.int32`` / ``np.int64`` / ``np.float32`` / ``np.float64`` values of each result,
but ``naslib/utils/zerocost.py::compute_scores`` stores ``full_testpred = list(test_pred)``: a list of numpy
scalars. ``np.float64`` is a Python ``float`` subclass that ``json`` writes; ``np.float32`` is not. NASLib's
MLP predictors (``predictor: mlp`` and ``bananas``) answer float32 (torch outputs), so after the whole
evaluation ``json.dump`` raises ``TypeError: Object of type float32 is not JSON serializable`` and errors.json
is never written.
Fix: just before NASLib's own writer runs, every numpy scalar nested in the results becomes the plain Python
number (:func:`plain_json`); what NASLib writes is otherwise unchanged.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from tgnas_naslib.convert import plain

from ._marker import MARK, is_ours

#: (module, class) of NASLib's evaluators whose ``_log_to_json`` writes ``self.results``
NASLIB_EVALUATORS = (("naslib.defaults.predictor_evaluator", "PredictorEvaluator"),
                     ("naslib.evaluators.zc_evaluator", "ZeroCostPredictorEvaluator"))


def plain_json(x: Any) -> Any:
    """``x`` with numpy scalars and arrays nested in dicts / lists / tuples turned into Python values (dict and
    list types kept, so NASLib's CfgNode configs stay CfgNodes): :func:`tgnas_naslib.convert.plain` in place."""
    return plain(x, "list", in_place=True)


def _writer(original):
    @functools.wraps(original)
    def _log_to_json(self, *args: Any, **kwargs: Any):
        for result in getattr(self, "results", None) or []:
            plain_json(result)
        return original(self, *args, **kwargs)

    setattr(_log_to_json, MARK, True)
    return _log_to_json


def patch_naslib_json_results() -> list[str]:
    """Install the conversion in NASLib's evaluators (idempotent); returns the patched classes."""
    done = []
    for module, name in NASLIB_EVALUATORS:
        cls = getattr(importlib.import_module(module), name)
        if not is_ours(cls._log_to_json):  # functools.wraps carries the mark through other wrappers
            cls._log_to_json = _writer(cls._log_to_json)
        done.append(name)
    return done

