"""Fix: NASLib's evaluators cannot write results that hold numpy ``float32`` scalars (no errors.json at all).

Evidence: ``naslib/defaults/predictor_evaluator.py::PredictorEvaluator._log_to_json`` (and the zc evaluator's)
converts only top-level ``np.int32`` / ``np.int64`` / ``np.float32`` / ``np.float64`` values of each result,
but ``naslib/utils/zerocost.py::compute_scores`` stores ``full_testpred = list(test_pred)``: a list of numpy
scalars. ``np.float64`` is a Python ``float`` subclass that ``json`` writes; ``np.float32`` is not. NASLib's
MLP predictors (``predictor: mlp`` and ``bananas``) answer float32 (torch outputs), so after the whole
evaluation ``json.dump`` raises ``TypeError: Object of type float32 is not JSON serializable`` and errors.json
is never written.
Fix: just before NASLib's own writer runs, every numpy scalar nested in the results becomes the plain Python
number (:func:`plain_json`); what NASLib writes is otherwise unchanged. It is the ``plain`` step of the one result
hook (:mod:`._result_hook`).
"""

from __future__ import annotations

from typing import Any

from tgnas_naslib.convert import plain

from ._result_hook import add_step, install_result_hook

#: the step's place in the result hook: before the provenance, which reads plain values
ORDER = 10


def plain_json(x: Any) -> Any:
    """``x`` with numpy scalars and arrays nested in dicts / lists / tuples turned into Python values (dict and
    list types kept, so NASLib's CfgNode configs stay CfgNodes): :func:`tgnas_naslib.convert.plain` in place."""
    return plain(x, "list", in_place=True)


def plain_results(writer: Any) -> None:
    """The ``plain`` step: the writer's ``results`` (the evaluators'; the Trainer has none) as plain values."""
    for result in getattr(writer, "results", None) or []:
        plain_json(result)


def patch_naslib_json_results() -> list[str]:
    """Register the conversion as a step of NASLib's result hook and install the hook (idempotent); returns the
    hooked classes."""
    add_step("plain", ORDER, plain_results)
    return install_result_hook()

