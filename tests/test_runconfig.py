"""The runner's configs without NASLib: unknown keys and invalid values refused in one line with the valid
choices, the benchmark following (search_space, dataset), a contradicting benchmark refused."""

from pathlib import Path

import pytest

from conftest import load_naslib_module

rc = load_naslib_module("runconfig.py")
CONFIGS = Path(__file__).resolve().parents[1] / "configs"
NB201_C10 = CONFIGS / "correlation_nasbench201_cifar10_tgnas.yaml"


def test_benchmark_follows_dataset_override():
    cfg = rc.load_config(NB201_C10, ["dataset=cifar100"])
    assert (cfg["dataset"], cfg["benchmark"]) == ("cifar100", "nb201_cifar100_15625")
    cfg = rc.load_config(NB201_C10, ["search_space=transbench101_micro", "dataset=jigsaw"])
    assert cfg["benchmark"] == "tnb101_micro_jigsaw_4096"
    assert rc.load_config(NB201_C10, ["benchmark=nb201_cifar10_783"])["benchmark"] == "nb201_cifar10_783"


@pytest.mark.parametrize("overrides,match", [
    (["dataset=cifar1000"], r"dataset: 'cifar1000' is not a nasbench201 dataset; choose from cifar10, cifar100, "
                            r"ImageNet16-120"),
    (["test_sze=10"], r"unknown key 'test_sze' for experiment zc; valid keys: .*test_size"),
    (["experiment=foo"], r"experiment: 'foo' is not valid; choose from zc, predictor_evaluation, search"),
    (["dataset=cifar100", "benchmark=nb201_cifar10_15625"],
     r"benchmark: 'nb201_cifar10_15625' is not a labelled benchmark of nasbench201/cifar100; choose from "
     r"nb201_cifar100_15625"),
    (["test_size=0"], r"test_size: 0 is not an integer >= 1"),
    (["test_size=ten"], r"test_size: 'ten' is not an integer >= 1"),
    (["search_space=nasbench999"], r"search_space: 'nasbench999' .* choose from nasbench101, nasbench201"),
    (["seed"], r"override 'seed' is not key=value"),
])
def test_bad_values_are_refused_with_the_choices(overrides, match):
    with pytest.raises(rc.ConfigError, match=match) as err:
        rc.load_config(NB201_C10, overrides)
    assert "\n" not in str(err.value)


def test_search_keys_are_checked_per_optimizer():
    cfg = rc.load_config(CONFIGS / "evolution_nb201_tgnas.yaml", ["search.epochs=3"])
    assert cfg["search"]["epochs"] == 3 and cfg["search"]["population_size"] == 20
    with pytest.raises(rc.ConfigError, match=r"unknown key 'search.epoch' for optimizer tgnas_evolution; valid "
                                             r"keys: seed, epochs"):
        rc.load_config(CONFIGS / "evolution_nb201_tgnas.yaml", ["search.epoch=3"])
    with pytest.raises(rc.ConfigError, match=r"search.population_size: -1 is not an integer >= 1"):
        rc.load_config(CONFIGS / "evolution_nb201_tgnas.yaml", ["search.population_size=-1"])


def test_missing_config_file_is_one_line(tmp_path):
    with pytest.raises(rc.ConfigError, match="config file not found: .*nope.yaml"):
        rc.load_config(tmp_path / "nope.yaml")


def test_every_shipped_config_validates_where_naslib_is_not_needed():
    for path in sorted(CONFIGS.glob("*.yaml")):
        text = path.read_text()
        if "experiment: zc" in text:
            cfg = rc.load_config(path)
            assert cfg["benchmark"] == rc.default_benchmark(cfg["search_space"], cfg["dataset"]), path.name
            assert "benchmark:" not in text, f"{path.name} pins its benchmark: a dataset= override would contradict it"
