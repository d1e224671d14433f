"""The NASLib user paths of the README and docs/naslib.md, run on the real NASLib checkout, each judged by what its
output file says: the benchmark, the dataset, the metric and finite numbers.

* NASLib's own zc runner (``naslib/runners/zc/runner.py``) with ``configs/naslib_zc_tgnas.yaml`` on every
  search space with offline data, through the autoload hook (the ``.pth`` that ``scripts/setup_naslib.sh``
  installs) and through ``python -m tgnas_naslib.naslib.exec``; ``data_dir X`` on its command line;
* the project's runner (``python -m tgnas_naslib.naslib.run``): every correlation config, with a ``dataset=``
  override; Bananas with the ``tgnas`` zc measure; the TG-NAS evolution under NASLib's Trainer; NASLib's
  PredictorEvaluator at train sizes 10 and 50 (TG-NAS and a NASLib predictor).

The zc-runner processes start together (one fixture) so that their start-up costs overlap.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from conftest import NEEDS_NASLIB, data_root, load_naslib_module, naslib_importable, requires_benchmark

pytestmark = [pytest.mark.naslib, pytest.mark.slow, pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)]

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
METRICS = ("spearman", "kendalltau", "pearson")

#: NASLib zc-runner runs: name -> (how the plugin is loaded, command-line overrides, benchmark the data stands in,
#: the member that must score and its label, the caution the result must carry); nb301 gets its data directory from
#: NASLib's command line only; two runs name another model with ``tgnas_model``
ZC_RUNS = {
    "nb201": ("hook", ["dataset", "cifar100"], "nb201_cifar100_15625", "lfo-nb201", "zero-shot", ""),
    "nb301": ("hook", ["search_space", "nasbench301", "data_dir", "{data}"], "nb301_500", "lfo-nb301", "zero-shot",
              ""),
    "nb101": ("exec", ["search_space", "nasbench101", "tgnas_model", "nb101"], "nb101_500", "nb101", "in-family",
              "IN-SAMPLE"),
    "tnb101": ("exec", ["search_space", "transbench101_micro", "dataset", "jigsaw", "tgnas_model", "universal-all"],
               "tnb101_micro_jigsaw_4096", "universal-all", "in-family", "IN-SAMPLE"),
}
TEST_SIZE = 6


def _finite_metrics(results: dict) -> None:
    for key in METRICS:
        assert math.isfinite(results[key]) and -1.0 <= results[key] <= 1.0, (key, results[key])


def _files_of(benchmark: str) -> list[str]:
    from tgnas_naslib.datasets import CATALOG

    return list(CATALOG[benchmark].files)


# ------------------------------------------------------------------------------------------------------------------
# NASLib's own zc runner
# ------------------------------------------------------------------------------------------------------------------
def _hook_installed() -> bool:
    return (Path(sysconfig.get_paths()["purelib"]) / "tgnas_naslib_autoload.pth").is_file()


@pytest.fixture(scope="module")
def zc_runs(tmp_path_factory):
    """Start every NASLib zc-runner run at once; name -> (run folder, finished process)."""
    for _, _, bench, *_ in ZC_RUNS.values():
        requires_benchmark(bench)
    if not _hook_installed():
        pytest.skip("the autoload hook is not installed (scripts/setup_naslib.sh without --no-autoload)")
    import importlib.util

    runner = Path(importlib.util.find_spec("naslib").submodule_search_locations[0]) / "runners" / "zc" / "runner.py"
    started = {}
    for name, (how, overrides, *_) in ZC_RUNS.items():
        folder = tmp_path_factory.mktemp(f"zc_{name}")
        args = [str(runner), "--config-file", str(CONFIGS / "naslib_zc_tgnas.yaml"), "test_size", str(TEST_SIZE),
                *[a.format(data=data_root()) for a in overrides]]
        if how == "exec":
            args = ["-m", "tgnas_naslib.naslib.exec", *args]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        if "data_dir" in overrides:  # the directory comes from NASLib's command line only
            env.pop("TGNAS_DATA_DIR", None)
        started[name] = (folder, subprocess.Popen([sys.executable, *args], cwd=folder, env=env, text=True,
                                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    done = {}
    for name, (folder, proc) in started.items():
        out, err = proc.communicate(timeout=900)
        done[name] = (folder, subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def _zc_scores(zc_runs, name: str) -> tuple[dict, dict, str]:
    """scores.json ([config, results]) and log.log of one run."""
    folder, done = zc_runs[name]
    assert done.returncode == 0, done.stderr[-3000:]
    (path,) = (folder / "run" / "zc").glob("*/*/tgnas/0/scores.json")
    config, results = json.loads(path.read_text())
    return config, results, (path.parent / "log.log").read_text()


@pytest.mark.parametrize("name", list(ZC_RUNS))
def test_naslib_zc_runner_scores_tgnas_on_every_space(zc_runs, name):
    how, overrides, bench, member, evaluation, caution = ZC_RUNS[name]
    config, results, log = _zc_scores(zc_runs, name)
    from tgnas_naslib.datasets import CATALOG

    spec = CATALOG[bench]
    assert (config["predictor"], config["search_space"], config["dataset"]) == ("tgnas", spec.space, spec.task)
    assert len(results["full_ytest"]) == len(results["full_testpred"]) == TEST_SIZE
    _finite_metrics(results)
    ground_truth = {r.y for r in __import__("tgnas_naslib.datasets", fromlist=["x"]).load_benchmark(bench).records}
    assert set(results["full_ytest"]) <= ground_truth  # the benchmark's own validation accuracies
    data = config["provenance"]["data"]
    assert [d["files"] for d in data.values()] == [_files_of(bench)] * 2  # dataset api and zc api
    scored = config["provenance"]["tgnas_model"]
    # the default bundle scores with the member that never saw the space's family; tgnas_model names another model
    assert (scored["member"], scored["evaluation"]) == (member, evaluation), scored
    assert f"scored by {scored['model']} member {member} ({evaluation}" in log  # NASLib's log says it too
    assert f"zc_{spec.space}.json is not in" in log  # says which file stood in for NASLib's
    assert config["provenance"].get("caution", "").startswith(caution) and bool(caution) == ("caution" in
                                                                                              config["provenance"])


def test_naslib_zc_runner_takes_data_dir_on_its_command_line(zc_runs):
    config, _, _ = _zc_scores(zc_runs, "nb301")
    assert config["data_dir"] == str(data_root())
    assert all(d["data_dir"] == str(data_root()) for d in config["provenance"]["data"].values())


def test_naslib_scripts_name_their_own_data_dir_option(tmp_path):
    """NASLib's argparse takes no --data-dir: a missing file's message names ``data_dir X`` instead (and NASLib's
    own parser, which ``eval``s the value of a key its config lacks, never sees it)."""
    import naslib.utils as nu

    from tgnas_naslib import paths
    from tgnas_naslib.naslib import MissingNASLibData

    args = nu.parse_args(args=["--config-file", str(CONFIGS / "naslib_zc_tgnas.yaml"), "out_dir", str(tmp_path),
                               "data_dir", str(tmp_path / "nothing")])
    try:
        config = nu.get_config_from_args(args, config_type="zc")  # NASLib's own, as its runners call it
        assert config.data_dir == str(tmp_path / "nothing") == str(paths.data_dir())
        with pytest.raises(MissingNASLibData) as info:
            nu.get_dataset_api("nasbench201", "cifar10")
    finally:
        paths.set_data_dir_option("pass --data-dir")
        paths.set_data_dir(None)
    msg = str(info.value)
    assert f"{tmp_path / 'nothing'} (from --data-dir / data_dir)" in msg and "\n" not in msg
    assert "add data_dir /path/to/benchmarks_data to the script's command line" in msg and "--data-dir (" not in msg


# ------------------------------------------------------------------------------------------------------------------
# the project's runner
# ------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run():
    from tgnas_naslib.naslib import run as module

    return module


def _correlation_cases() -> list:
    """Every correlation config, as it is and with a dataset= override (collected without NASLib too)."""
    DATASETS = load_naslib_module("runconfig.py").DATASETS  # noqa: N806 -- tgnas_naslib.naslib needs NASLib
    cases = []
    for path in sorted(CONFIGS.glob("correlation_*_tgnas.yaml")):
        import yaml

        cfg = yaml.safe_load(path.read_text())
        others = [d for d in DATASETS[cfg["search_space"]] if d != cfg["dataset"]]
        cases.append(pytest.param(path.name, cfg["dataset"], id=path.stem))
        if others:  # the documented dataset= override, to another dataset of the space
            cases.append(pytest.param(path.name, others[len(path.name) % len(others)], id=f"{path.stem}-dataset"))
    return cases


@pytest.mark.parametrize("config,dataset", _correlation_cases())
def test_every_correlation_config_and_its_dataset_override(run, config, dataset, tmp_path, capsys):
    from tgnas_naslib.naslib.runconfig import default_benchmark

    cfg = run.load_config(str(CONFIGS / config), [f"out_dir={tmp_path}", "test_size=40", f"dataset={dataset}"])
    bench = default_benchmark(cfg["search_space"], dataset)
    requires_benchmark(bench)
    assert run.main(["--config", str(CONFIGS / config), f"out_dir={tmp_path}", "test_size=40",
                     f"dataset={dataset}"]) == 0
    printed = capsys.readouterr().out
    path = tmp_path / "zc" / cfg["search_space"] / dataset / "tgnas" / "9000" / "scores.json"
    config_out, results = json.loads(path.read_text())
    assert config_out["dataset"] == dataset and results["benchmark"] == bench
    assert results["ground_truth"] == "val_accuracy" and results["test_size"] == 40
    _finite_metrics(results)
    assert config_out["provenance"]["benchmark_files"] == _files_of(bench)
    # the default bundle scores every labelled benchmark with the member that never saw its family: zero-shot
    from tgnas_naslib.spaces import get_space

    member = f"lfo-{get_space(cfg['search_space']).family}"
    assert results["tgnas_model"] == {"model": "universal", "member": member, "evaluation": "zero-shot"}
    assert config_out["provenance"]["tgnas_model"]["member"] == member and "caution" not in results
    assert f"TG-NAS scored by universal member {member} (zero-shot)" in printed


def test_project_runner_takes_tgnas_model(run, tmp_path, capsys):
    requires_benchmark("nb201_cifar10_15625")
    config = str(CONFIGS / "correlation_nasbench201_cifar10_tgnas.yaml")
    assert run.main(["--config", config, f"out_dir={tmp_path}", "test_size=40", "tgnas_model=universal-all"]) == 0
    printed = capsys.readouterr().out
    _, results = json.loads((tmp_path / "zc" / "nasbench201" / "cifar10" / "tgnas" / "9000" / "scores.json")
                            .read_text())
    assert results["tgnas_model"] == {"model": "universal-all", "member": "universal-all", "evaluation": "in-family"}
    config_out, _ = json.loads((tmp_path / "zc" / "nasbench201" / "cifar10" / "tgnas" / "9000" / "scores.json")
                               .read_text())
    # the caution is computed once and written once, in the provenance (it was also copied into the results)
    assert config_out["provenance"]["caution"].startswith("IN-SAMPLE") and "caution" not in results
    assert printed.count("IN-SAMPLE") == 1
    assert run.main(["--config", config, f"out_dir={tmp_path}", "tgnas_model=nb999"]) == 2
    assert "tgnas_model: 'nb999' is neither a shipped model" in capsys.readouterr().err


def _errors_json(save: Path) -> list:
    return json.loads((save / "errors.json").read_text())


@pytest.mark.parametrize("predictor", ["tgnas", "xgb"])
def test_predictor_evaluator_at_train_sizes_10_and_50(run, predictor, tmp_path):
    requires_benchmark("nb201_cifar10_15625")
    cfg = run.load_config(str(CONFIGS / "nb201_cifar10_predictor_tgnas.yaml"),
                          [f"out_dir={tmp_path}", f"predictor={predictor}", "experiment_type=vary_train_size",
                           "train_size_list=[10,50]", "test_size=60"])
    run.run(cfg)
    config, *results = _errors_json(run.save_dir(cfg))
    assert (config["search_space"], config["dataset"], config["predictor"]) == ("nasbench201", "cifar10", predictor)
    assert [r["train_size"] for r in results] == [10, 50]
    for r in results:
        _finite_metrics(r)
        assert len(r["full_ytest"]) == 60 and all(0 < y < 100 for y in r["full_ytest"])
    assert config["provenance"]["data"]["0"]["files"] == _files_of("nb201_cifar10_15625")
    if predictor == "tgnas":  # few-shot fits start from, and zero-shot scores come from, the member of the family
        scored = config["provenance"]["tgnas_model"]
        assert (scored["member"], scored["evaluation"]) == ("lfo-nb201", "zero-shot"), scored


def test_bananas_with_the_tgnas_zc_measure(run, tmp_path):
    requires_benchmark("nb201_cifar10_15625")
    requires_benchmark("nb101_500")  # the TG-NAS model's training data is named in the log
    cfg = run.load_config(str(CONFIGS / "bananas_nb201_zc_tgnas.yaml"),
                          [f"out_dir={tmp_path}", "search.epochs=4", "search.num_init=3", "search.k=1",
                           "search.num_candidates=4"])
    assert cfg["search"]["zc_names"] == ["tgnas"] and cfg["search"]["zc"] is True
    out = run.run(cfg)
    save = Path(out["save"])
    config, trajectory = _errors_json(save)
    assert (config["search_space"], config["dataset"], config["optimizer"]) == ("nasbench201", "cifar10",
                                                                                "tgnas_bananas")
    assert config["search"]["zc_names"] == ["tgnas"]
    assert len(trajectory["valid_acc"]) == 4 and all(50 < v < 100 for v in trajectory["valid_acc"])
    assert all(math.isnan(v) for v in trajectory["test_acc"])  # not in the data, never a copy of val
    log = (save / "log.log").read_text()
    assert log.count("tgnas score") >= 4 and np.isfinite(out["tgnas_score"])
    assert "scored by universal member lfo-nb201 (zero-shot" in log
    assert (config["provenance"]["tgnas_model"]["member"], config["provenance"]["tgnas_model"]["evaluation"]) == \
        ("lfo-nb201", "zero-shot")


@pytest.mark.parametrize("config,space,labelled", [("evolution_nb201_tgnas.yaml", "nasbench201", True),
                                                  ("evolution_darts_tgnas.yaml", "nasbench301", False)])
def test_evolution_with_tgnas_under_naslib_trainer(run, config, space, labelled, tmp_path):
    if labelled:
        requires_benchmark("nb201_cifar10_15625")
    cfg = run.load_config(str(CONFIGS / config), [f"out_dir={tmp_path}", "search.epochs=3",
                                                  "search.population_size=6"])
    out = run.run(cfg)
    save = Path(out["save"])
    config_out, trajectory = _errors_json(save)
    assert (config_out["search_space"], config_out["dataset"], config_out["optimizer"]) == (space, "cifar10",
                                                                                            "tgnas_evolution")
    assert len(trajectory["valid_acc"]) == 3
    assert all(50 < v < 100 for v in trajectory["valid_acc"]) if labelled else \
        all(math.isnan(v) for v in trajectory["valid_acc"])  # no ground truth for DARTS cells offline
    log = (save / "log.log").read_text()
    scores = [float(line.split("best score ")[1].split()[0].rstrip(",;"))
              for line in log.splitlines() if "TG-NAS generation" in line and "best score " in line]
    assert len(scores) == 3 and all(np.isfinite(scores)) and scores == sorted(scores)  # elitist
    assert np.isfinite(out["tgnas_score"])
