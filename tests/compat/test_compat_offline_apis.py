"""compat.offline_apis: NASLib's get_dataset_api / get_zc_benchmark_api answer from the data directory, with only
the metrics the data has (train / test accuracy NaN, never a copy of the validation accuracy)."""

import math

import pytest

from conftest import NEEDS_NASLIB, naslib_importable, requires_benchmark

pytestmark = pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)

BEST = (2, 2, 0, 2, 2, 2)  # val accuracy 90.93 / 73.18 / 46.43 on cifar10 / cifar100 / ImageNet16-120


@pytest.fixture(scope="module")
def nb201():
    requires_benchmark("nb201_cifar10_15625")
    from naslib.search_spaces import get_search_space

    import tgnas_naslib.naslib  # noqa: F401

    ss = get_search_space("nasbench201", "cifar10")
    ss.instantiate_model = False
    g = ss.clone()
    g.set_spec(BEST)
    return g


def test_naslib_functions_are_replaced_everywhere():
    import naslib.utils as nu
    from naslib.utils import get_dataset_api as gda_module_level

    import tgnas_naslib.naslib  # noqa: F401

    assert getattr(nu.get_dataset_api, "__tgnas_compat__", False) and gda_module_level is nu.get_dataset_api
    assert getattr(nu.get_zc_benchmark_api, "__tgnas_compat__", False)


def test_only_the_metrics_the_data_has(nb201):
    from naslib.search_spaces.core.query_metrics import Metric
    from naslib.utils import get_dataset_api

    api = get_dataset_api("nasbench201", "cifar10")
    assert api.provenance["files"] == ["nasbench201/nb201_zen_valacc_15625.zip"]
    assert nb201.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=api) == pytest.approx(90.93)
    assert nb201.query(Metric.VAL_ACCURACY, "cifar100", dataset_api=api) == pytest.approx(73.18)
    for metric in (Metric.TRAIN_ACCURACY, Metric.TEST_ACCURACY, Metric.TRAIN_LOSS, Metric.TRAIN_TIME):
        assert math.isnan(nb201.query(metric, "cifar10", dataset_api=api)), metric
    assert math.isnan(nb201.query(Metric.VAL_ACCURACY, "cifar10", epoch=5, dataset_api=api))  # no curves
    assert all(math.isnan(v) for v in nb201.query(Metric.VAL_ACCURACY, "cifar10", epoch=3, full_lc=True,
                                                  dataset_api=api))
    raw = nb201.query(Metric.RAW, "cifar10", dataset_api=api)
    assert raw["val_accuracy"] == pytest.approx(90.93) and "test" in raw["not_available"]


def test_zc_api_has_tgnas_on_the_fly_and_refuses_missing_proxies(nb201):
    from naslib.utils import get_zc_benchmark_api

    from tgnas_naslib.naslib import MissingNASLibData, configured_model

    zc = get_zc_benchmark_api("nasbench201", "cifar10")
    entry = zc["(2, 2, 0, 2, 2, 2)"]
    assert entry["val_accuracy"] == pytest.approx(90.93) and "tgnas" in entry
    assert entry["tgnas"]["score"] == pytest.approx(configured_model().score([BEST], space="nasbench201")[0])
    with pytest.raises(MissingNASLibData, match="no 'synflow' score.*zc_nasbench201.json"):
        entry["synflow"]


def test_unlabelled_nb301_arch_names_naslib_file():
    requires_benchmark("nb301_500")
    from naslib.search_spaces import get_search_space
    from naslib.search_spaces.core.query_metrics import Metric
    from naslib.utils import get_dataset_api

    import tgnas_naslib.naslib  # noqa: F401
    from tgnas_naslib.naslib import MissingNASLibData

    api = get_dataset_api("nasbench301", "cifar10")
    ss = get_search_space("nasbench301", "cifar10")
    ss.instantiate_model = False
    labelled = ss.clone()
    labelled.load_labeled_architecture(dataset_api=api)  # NASLib's own sampler over api['nb301_arches']
    assert 80 < labelled.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=api) < 100
    other = ss.clone()
    import numpy as np

    np.random.seed(0)
    other.sample_random_architecture()  # seed 0: not one of the 500
    with pytest.raises(MissingNASLibData, match="not among the 500 labelled nasbench301 archs.*nb_models_1.0"):
        other.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=api)


def test_missing_data_is_one_line_naming_both_sources(tmp_path, monkeypatch):
    from naslib.utils import get_dataset_api

    import tgnas_naslib.naslib  # noqa: F401
    from tgnas_naslib.naslib import MissingNASLibData

    monkeypatch.setenv("TGNAS_DATA_DIR", str(tmp_path))
    with pytest.raises(MissingNASLibData) as err:
        get_dataset_api("transbench101_micro", "jigsaw")
    msg = str(err.value)
    assert "transnas-bench_v10141024.pth" in msg and "noahlab" in msg and str(tmp_path) in msg
    assert "from $TGNAS_DATA_DIR" in msg and "\n" not in msg
