"""NASLib's own scripts with the plugin loaded the documented ways (needs NASLib): the autoload hook and
``python -m tgnas_naslib.naslib.exec``; ``predictor: tgnas`` through NASLib's ZeroCostPredictorEvaluator with the
zc api (TG-NAS scored on the fly) and without it (through the measure); one line for what cannot run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import NEEDS_NASLIB, naslib_importable, requires_benchmark

pytestmark = [pytest.mark.naslib, pytest.mark.slow, pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)]

ZC_CONFIG = """\
batch_size: 32
config_type: zc_example
dataset: cifar10
out_dir: {out}
predictor: tgnas
search_space: nasbench201
test_size: {n}
train_size: 10
train_portion: 0.7
seed: 0
search:
  seed: 0
  batch_size: 32
  train_portion: 0.7
"""


def naslib_root() -> Path:
    import importlib.util

    return Path(importlib.util.find_spec("naslib").submodule_search_locations[0])


def _python(code_or_args: list[str], tmp_path: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    return subprocess.run([sys.executable, *code_or_args], cwd=tmp_path, env=full_env, capture_output=True,
                          text=True, timeout=900, check=False)


def _scores(tmp_path: Path) -> tuple[dict, dict]:
    path = tmp_path / "run" / "zc_example" / "nasbench201" / "cifar10" / "tgnas" / "0" / "scores.json"
    return tuple(json.loads(path.read_text()))


def test_zc_runner_through_autoload_hook_and_imports_search_spaces_first(tmp_path):
    requires_benchmark("nb201_cifar10_15625")
    (tmp_path / "zc.yaml").write_text(ZC_CONFIG.format(out="run", n=5))
    runner = naslib_root() / "runners" / "zc" / "runner.py"
    code = ("import sys, runpy, tgnas_naslib.autoload as hook; hook.install(); "  # what the .pth line does
            "import naslib.search_spaces; assert 'tgnas_naslib.naslib' in sys.modules; "  # search spaces first
            f"sys.argv = [{str(runner)!r}, '--config-file', 'zc.yaml']; "
            "import naslib.utils as nu; nu.parse_args.__defaults__ = (nu.parse_args.__defaults__[0], sys.argv[1:]); "
            f"runpy.run_path({str(runner)!r}, run_name='__main__')")
    done = _python(["-c", code], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    _, results = _scores(tmp_path)
    assert len(results["full_ytest"]) == 5


def test_zero_cost_evaluator_without_zc_api_runs_the_measure(tmp_path):
    """use_zc_api off: NASLib's evaluator parses each sampled graph and queries ZeroCost('tgnas')."""
    requires_benchmark("nb201_cifar10_15625")
    from fvcore.common.config import CfgNode
    from naslib.evaluators.zc_evaluator import ZeroCostPredictorEvaluator
    from naslib.predictors import ZeroCost
    from naslib.search_spaces import get_search_space
    from naslib.utils import get_dataset_api

    import tgnas_naslib.naslib as tn

    config = CfgNode({"test_size": 4, "dataset": "cifar10", "test_data_file": None, "save": str(tmp_path),
                      "seed": 0, "batch_size": 8, "train_portion": 0.5, "search": CfgNode({"seed": 0})})
    api = get_dataset_api("nasbench201", "cifar10")
    evaluator = ZeroCostPredictorEvaluator(ZeroCost("tgnas"), config=config, use_zc_api=False)
    ss = get_search_space("nasbench201", "cifar10")
    ss.labeled_archs = api.labelled_archs()  # the evaluator always samples labelled archs (as NASLib's runner sets)
    evaluator.adapt_search_space(ss, dataset_api=api)
    config_out, results = evaluator.evaluate(zc_api=None)
    from tgnas_naslib.datasets import load_benchmark
    from tgnas_naslib.naslib.predictor import naslib_scores

    bench = load_benchmark("nb201_cifar10_15625")
    assert len(results["full_ytest"]) == 4 and set(results["full_ytest"]) <= {r.y for r in bench.records}
    every_score = naslib_scores(tn.configured_model().score(bench.archs, space="nasbench201"))
    assert all(np.isclose(every_score, p, rtol=0, atol=1e-4).any() for p in results["full_testpred"])  # TG-NAS's
    assert (tmp_path / "scores.json").is_file() and "provenance" in config_out


def test_naslib_scripts_refuse_what_they_cannot_run_in_one_line(tmp_path):
    predictors = naslib_root() / "runners" / "predictors" / "runner.py"
    cfg = (naslib_root() / "runners" / "predictors" / "predictor_config.yaml").read_text()
    (tmp_path / "p.yaml").write_text(cfg.replace("predictor: synflow", "predictor: tgnas"))
    done = _python(["-m", "tgnas_naslib.naslib.exec", str(predictors), "--config-file", "p.yaml"], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "predictor: tgnas -- naslib/runners/predictors/runner.py picks its predictor from a table" in done.stderr
    # a NASLib benchmark file that is neither in the checkout nor in the data directory: one line, both named
    (tmp_path / "zc.yaml").write_text(ZC_CONFIG.format(out="run", n=5))
    zc = naslib_root() / "runners" / "zc" / "runner.py"
    done = _python(["-m", "tgnas_naslib.naslib.exec", str(zc), "--config-file", "zc.yaml"], tmp_path,
                   env={"TGNAS_DATA_DIR": str(tmp_path / "empty")})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert "nb201_cifar10_full_training.pickle" in line and "drive.google.com" in line
    assert str(tmp_path / "empty") in line and "from $TGNAS_DATA_DIR" in line
