"""``python -m tgnas_naslib.naslib.run`` (needs NASLib): the dataset= override gives that dataset's numbers, bad
configs end in one line with exit status 2, results say what produced them, accuracies the data lacks are NaN."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from conftest import NEEDS_NASLIB, naslib_importable, requires_benchmark

pytestmark = [pytest.mark.naslib, pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)]

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
NB201_C10 = str(CONFIGS / "correlation_nasbench201_cifar10_tgnas.yaml")


@pytest.fixture(scope="module")
def run():
    from tgnas_naslib.naslib import run as module

    return module


def test_dataset_override_scores_that_dataset(run, tmp_path, capsys):
    requires_benchmark("nb201_cifar100_15625")
    from tgnas_naslib.datasets import load_benchmark

    assert run.main(["--config", NB201_C10, "dataset=cifar100", "test_size=300", f"out_dir={tmp_path}"]) == 0
    out = capsys.readouterr().out
    assert "nasbench201/cifar100 benchmark=nb201_cifar100_15625" in out
    path = tmp_path / "zc" / "nasbench201" / "cifar100" / "tgnas" / "9000" / "scores.json"
    config, results = json.loads(path.read_text())
    assert config["dataset"] == "cifar100" and results["benchmark"] == "nb201_cifar100_15625"
    # the ground truth really is CIFAR-100's: every sampled label is that arch's cifar100 val accuracy
    c100 = {r.y for r in load_benchmark("nb201_cifar100_15625").records}
    c10 = {r.y for r in load_benchmark("nb201_cifar10_15625").records}
    assert set(results["full_ytest"]) <= c100 and not set(results["full_ytest"]) <= c10
    assert 0.5 < results["spearman"] < 0.95
    prov = config["provenance"]
    assert prov["benchmark_files"] == ["nasbench201/nb201_zen_valacc_15625.zip"]
    assert "zc_nasbench101_500.json" in prov["tgnas_model"]["trained_on"] and "torch" in prov["versions"]
    assert "nasbench201/cifar100 benchmark nb201_cifar100_15625" in (path.parent / "log.log").read_text()


@pytest.mark.parametrize("overrides,match,needs", [
    (["dataset=cifar1000"], "dataset: 'cifar1000' is not a nasbench201 dataset; choose from cifar10, cifar100", None),
    (["test_sze=10"], "unknown key 'test_sze' for experiment zc; valid keys:", None),
    (["experiment=foo"], "experiment: 'foo' is not valid; choose from zc, predictor_evaluation, search", None),
    # the stored proxies are read from the benchmark file: this one needs the data
    (["predictor=synflow"], "predictor: 'synflow' is not tgnas or a proxy stored in nb201_cifar10_15625; choose "
                            "from tgnas, zen", "nb201_cifar10_15625"),
])
def test_bad_configs_end_in_one_line(run, overrides, match, needs, tmp_path, capsys):
    if needs:
        requires_benchmark(needs)
    assert run.main(["--config", NB201_C10, f"out_dir={tmp_path}", *overrides]) == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_predictor_and_missing_things_end_in_one_line(run, tmp_path, capsys, monkeypatch):
    pred = str(CONFIGS / "nb201_cifar10_predictor_tgnas.yaml")
    assert run.main(["--config", pred, "predictor=xgbb"]) == 2
    assert "predictor: 'xgbb' is not tgnas or a NASLib Ensemble predictor; choose from tgnas, bananas" in \
        capsys.readouterr().err
    assert run.main(["--config", str(tmp_path / "missing.yaml")]) == 2
    assert "config file not found" in capsys.readouterr().err
    monkeypatch.setenv("TGNAS_DATA_DIR", str(tmp_path))
    assert run.main(["--config", NB201_C10, f"out_dir={tmp_path}"]) == 2
    err = capsys.readouterr().err
    assert f"in the data directory {tmp_path} (from $TGNAS_DATA_DIR)" in err and len(err.strip().splitlines()) == 1


def test_search_errors_json_has_nan_where_the_data_has_no_accuracy(run, tmp_path):
    requires_benchmark("nb201_cifar10_15625")
    cfg = run.load_config(str(CONFIGS / "evolution_nb201_tgnas.yaml"),
                          [f"out_dir={tmp_path}", "search.epochs=3", "search.population_size=6"])
    out = run.run(cfg)
    config, trajectory = json.loads((Path(out["save"]) / "errors.json").read_text())
    assert len(trajectory["valid_acc"]) == 3 and all(60 < v < 95 for v in trajectory["valid_acc"])
    assert all(math.isnan(v) for v in trajectory["train_acc"] + trajectory["test_acc"])  # never val copies
    assert config["provenance"]["data"]["0"]["files"] == ["nasbench201/nb201_zen_valacc_15625.zip"]
    log = (Path(out["save"]) / "log.log").read_text()
    assert "TG-NAS generation 0: best score" in log and "Train accuracy: nan" in log
    assert np.isfinite(out["tgnas_score"])
