"""The few-shot comparison in NASLib's PredictorEvaluator (needs NASLib): fixed benchmark splits (the same test archs
for every predictor, training sets nested and disjoint from the test set), Suite-Zero-style zero-cost features with
the TG-NAS score, the configs of configs/fewshot/, and bad split keys refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import NEEDS_NASLIB, naslib_importable, requires_benchmark

pytestmark = [pytest.mark.naslib, pytest.mark.slow, pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)]

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "fewshot"


def _evaluator(predictor: str, **cfg_extra):
    from naslib.search_spaces import get_search_space

    from tgnas_naslib.naslib.fast import spec_only
    from tgnas_naslib.naslib.run import _naslib_config, build_predictor
    from tgnas_naslib.naslib.runconfig import load_config
    from tgnas_naslib.naslib.split import BenchmarkSplitEvaluator

    cfg = load_config(CONFIGS / "nb201_c10" / f"{predictor}.yaml", ["test_size=20", "train_size_list=[10, 30]",
                                                               *[f"{k}={v}" for k, v in cfg_extra.items()]])
    config = _naslib_config(cfg, Path("/tmp"))
    ss = spec_only(get_search_space("nasbench201", "cifar10"))
    ev = BenchmarkSplitEvaluator(build_predictor(cfg, "nasbench201", config), config, cfg["benchmark"],
                                 cfg["data_dir"], cfg["zc_proxies"], cfg["zc_tgnas"])
    ev.adapt_search_space(ss, dataset_api=None)
    return ev


def test_every_predictor_sees_the_same_test_archs_and_disjoint_nested_training_sets():
    requires_benchmark("nb201_cifar10_zcc_9445")
    tests, trains = [], []
    for predictor in ("xgb", "gcn"):
        ev = _evaluator(predictor)
        test, _ = ev.load_dataset(data_size=20)
        train, _ = ev.load_dataset(data_size=30)
        tests.append([g.get_hash() for g in test[0]])
        trains.append([g.get_hash() for g in train[0]])
        assert len(test[1]) == 20 and all(np.isfinite(test[1]))
    assert tests[0] == tests[1] and trains[0] == trains[1]
    assert not set(tests[0]) & set(trains[0])
    ev = _evaluator("xgb", seed=1)  # another seed: another test set
    assert [g.get_hash() for g in ev.load_dataset(data_size=20)[0][0]] != tests[0]


def test_zero_cost_features_carry_the_stored_proxies_and_the_tgnas_score():
    requires_benchmark("nb201_cifar10_zcc_9445")
    ev = _evaluator("xgb_zc_tgnas")
    test, _ = ev.load_dataset(data_size=20)
    features = test[2][0]["zero_cost_scores"]
    assert {"nwot", "jacov", "synflow", "zen", "tgnas"} <= set(features) and len(features) == 14
    assert ev.tgnas_scored_by["member"] == "lfo-nb201"  # the member that never saw the NB201 family


def test_a_fewshot_cell_runs_in_naslibs_evaluator(tmp_path):
    requires_benchmark("nb201_cifar10_zcc_9445")
    from tgnas_naslib.naslib.run import run
    from tgnas_naslib.naslib.runconfig import load_config

    cfg = load_config(CONFIGS / "nb201_c10" / "xgb_zc_tgnas.yaml", ["test_size=30", "train_size_list=[10, 20]",
                                                                f"out_dir={tmp_path}"])
    results = run(cfg)
    assert [r["train_size"] for r in results[1:]] == [10, 20]
    assert all(-1 <= r["spearman"] <= 1 for r in results[1:])
    assert results[1]["tgnas_feature_model"]["member"] == "lfo-nb201"
    assert (tmp_path / "nasbench201" / "cifar10" / "predictors" / "xgb_zc_tgnas" / "0" / "errors.json").is_file()


@pytest.mark.parametrize("overrides, match", [
    (["predictor=gp"], r"predictor: 'gp' is not a NASLib predictor that takes zero-cost features"),
    (["zc_proxies=[foo]"], r"zc_proxies: 'foo' is not a proxy stored in nb201_cifar10_zcc_9445"),
    (["split=naslib"], r"benchmark / zc_proxies / zc_tgnas need split: benchmark"),
    (["train_size_list=[9500]"], None),
])
def test_bad_split_keys_are_one_line(overrides, match):
    requires_benchmark("nb201_cifar10_zcc_9445")
    from tgnas_naslib.naslib.runconfig import ConfigError, load_config

    if match is None:  # more training archs than the file has outside the test set: refused when the run starts
        with pytest.raises(ConfigError, match=r"train_size 9500: nb201_cifar10_zcc_9445 has 9445 labelled archs"):
            _evaluator("xgb", train_size_list="[9500]")
        return
    with pytest.raises(ConfigError, match=match) as info:
        load_config(CONFIGS / "nb201_c10" / "xgb_zc_tgnas.yaml", overrides)
    assert "\n" not in str(info.value)


def test_every_fewshot_config_validates():
    for name in ("nb201_cifar10_zcc_9445", "nb201_cifar100_783", "nb301_500", "tnb101_micro_class_scene_zcc_2128"):
        requires_benchmark(name)
    from tgnas_naslib.naslib.runconfig import load_config

    paths = sorted(CONFIGS.glob("*/*.yaml"))
    assert len(paths) == 48
    for path in paths:
        cfg = load_config(path)
        assert cfg["split"] == "benchmark" and cfg["experiment_type"] == "vary_train_size"
