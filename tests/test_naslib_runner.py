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


# --- output locations, empty configs, interrupts, large test sets ---------------------------------------------------
def test_out_dir_that_cannot_take_results_is_one_line_before_the_run(run, tmp_path, capsys, read_only_dir):
    afile = tmp_path / "afile"
    afile.write_text("keep")
    for out_dir, needle in ((afile, f"out_dir {afile} is a file"), (read_only_dir, "cannot write into this folder")):
        assert run.main(["--config", NB201_C10, f"out_dir={out_dir}", "test_size=20"]) == 2
        err = capsys.readouterr().err
        assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert afile.read_text() == "keep"


def test_config_that_is_a_folder_or_not_utf8_is_one_line(run, tmp_path, capsys):
    (tmp_path / "bad.yaml").write_bytes(b"experiment: zc\ntest_size: \xe9\n")
    for config, needle in ((tmp_path, f"config file {tmp_path} is a folder"),
                           (tmp_path / "bad.yaml", "bad.yaml is not UTF-8 text (byte 0xe9 at offset 26)")):
        assert run.main(["--config", str(config)]) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1, err


def test_empty_config_is_refused_not_a_default_experiment(run, tmp_path, capsys):
    for text in ("", "# only a comment\n"):
        (tmp_path / "empty.yaml").write_text(text)
        assert run.main(["--config", str(tmp_path / "empty.yaml"), f"out_dir={tmp_path / 'o'}"]) == 2
        err = capsys.readouterr().err
        assert "empty.yaml is empty: a config names at least its experiment" in err
        assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("override,match", [
    ("seed=-1", "seed: -1 is not an integer >= 0"),
    (f"seed={2**32}", f"seed: {2**32} is not an integer from 0 to {2**32 - 1}"),
    ("test_size=0", "test_size: 0 is not an integer >= 1"),
])
def test_numbers_out_of_range_are_one_line(run, override, match, tmp_path, capsys):
    assert run.main(["--config", NB201_C10, f"out_dir={tmp_path}", override]) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1


def test_ctrl_c_in_naslib_metrics_exits_130_and_writes_no_result(run, tmp_path, capsys, monkeypatch):
    """NASLib's bare except used to turn Ctrl-C into NaN metrics, a scores.json and exit status 0."""
    import os
    import signal

    import naslib.utils.zerocost as zc

    requires_benchmark("nb201_cifar10_15625")
    monkeypatch.setattr(zc, "p_at_tb_k", lambda *a: os.kill(os.getpid(), signal.SIGINT) or [])
    assert run.main(["--config", NB201_C10, f"out_dir={tmp_path}", "test_size=30"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"{run.PROG}: interrupted"
    assert not list(tmp_path.rglob("scores.json"))


def test_large_test_size_is_announced_with_an_estimate(run, tmp_path, monkeypatch):
    from tgnas_naslib.naslib.compat import metrics_interrupt

    requires_benchmark("nb201_cifar10_15625")
    monkeypatch.setattr(metrics_interrupt, "WARN_AT", 25)  # 30 stands for a test_size of thousands
    assert run.main(["--config", NB201_C10, f"out_dir={tmp_path}", "test_size=30"]) == 0
    (log,) = tmp_path.rglob("log.log")
    notes = [line for line in log.read_text().splitlines() if "quadratic" in line]
    assert len(notes) == 1 and "about" in notes[0] and "for 30 here" in notes[0], notes


def test_naslib_scripts_refuse_a_file_out_dir_and_exit_130_on_ctrl_c(tmp_path, capsys, monkeypatch):
    """NASLib's own scripts through the plugin (python -m tgnas_naslib.naslib.exec): one line for an out_dir that
    cannot take results (was a traceback from create_exp_dir), exit status 130 for Ctrl-C."""
    import importlib.util
    import sys

    from tgnas_naslib import paths
    from tgnas_naslib.naslib import exec as naslib_exec

    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    afile = tmp_path / "afile"
    afile.write_text("keep")
    runner = Path(importlib.util.find_spec("naslib").submodule_search_locations[0]) / "runners" / "zc" / "runner.py"
    config = tmp_path / "zc.yaml"
    config.write_text(f"config_type: zc\nsearch_space: nasbench201\ndataset: cifar10\npredictor: tgnas\n"
                      f"out_dir: {afile}\nseed: 0\ntest_size: 5\n")
    try:
        assert naslib_exec.main([str(runner), "--config-file", str(config)]) == 2
    finally:  # a NASLib script's settings hold for the rest of its process: not for the next test
        paths.set_data_dir_option("pass --data-dir")
        paths.set_data_dir(None)
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("runner.py: error: out_dir ") and f"under {afile}, which is a file" in err[-1]
    assert "Traceback" not in "\n".join(err) and afile.read_text() == "keep"
    stop = tmp_path / "stop.py"
    stop.write_text("raise KeyboardInterrupt\n")
    assert naslib_exec.main([str(stop)]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "stop.py: interrupted"
