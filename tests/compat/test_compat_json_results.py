"""compat.json_results: NASLib's evaluators write results that hold numpy float32 scalars (MLP predictors)."""

import json

import numpy as np
import pytest

from conftest import NEEDS_NASLIB, compat_module, naslib_importable

fix = compat_module("json_results")


def test_plain_json_turns_nested_numpy_scalars_into_python_values():
    result = {"mae": np.float32(1.5), "full_testpred": [np.float32(0.25), np.float32(2.0)],
              "full_ytest": np.array([1.0, 2.0]), "nested": {"k": (np.int64(3), np.bool_(True))}, "name": "x"}
    with pytest.raises(TypeError, match="float32 is not JSON serializable"):
        json.dumps(result)  # what NASLib's writer met
    out = fix.plain_json(result)
    assert out is result  # converted in place: the evaluator's own results list is what NASLib writes
    assert json.loads(json.dumps(out)) == {"mae": 1.5, "full_testpred": [0.25, 2.0], "full_ytest": [1.0, 2.0],
                                           "nested": {"k": [3, True]}, "name": "x"}
    assert type(out["full_testpred"][0]) is float


@pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)
def test_predictor_evaluator_writes_float32_predictions(tmp_path):
    from fvcore.common.config import CfgNode
    from naslib.defaults.predictor_evaluator import PredictorEvaluator

    import tgnas_naslib.naslib  # noqa: F401  (applies the fix)

    evaluator = PredictorEvaluator.__new__(PredictorEvaluator)
    evaluator.config = CfgNode({"save": str(tmp_path)})
    evaluator.results = [CfgNode({"seed": 0}), {"full_testpred": list(np.array([0.5, 1.5], dtype=np.float32)),
                                                "mae": np.float32(0.5)}]
    evaluator._log_to_json()
    config, result = json.loads((tmp_path / "errors.json").read_text())[:2]
    assert result == {"full_testpred": [0.5, 1.5], "mae": 0.5} and config["seed"] == 0
