"""The NASLib compatibility layer's helpers, without needing NASLib.

``tgnas_naslib/naslib/__init__.py`` raises ImportError when NASLib is absent (by design), so this module
loads ``tgnas_naslib/naslib/compat.py`` straight from its file: the helpers in it never import NASLib.
"""

from __future__ import annotations

import collections
import collections.abc
import importlib
import importlib.util
import inspect
import math
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from conftest import load_naslib_module





compat = load_naslib_module("compat.py")


@pytest.fixture(scope="module")
def cifar_npz() -> Path:
    path = compat.default_cifar10_npz()
    if not path.is_file():
        pytest.skip(
            f"CIFAR-10 test images not found: {path} (set TGNAS_DATA_DIR to a benchmarks_data directory "
            f"holding {compat.CIFAR10_NPZ_RELPATH})"
        )
    return path


# ---------------------------------------------------------------------------------------------------
# collections, inspect
# ---------------------------------------------------------------------------------------------------
def test_collections_aliases_after_apply_compat():
    compat.apply_compat()
    for name in ("Iterable", "Sequence", "Mapping", "MutableMapping", "Callable", "Hashable"):
        assert getattr(collections, name) is getattr(collections.abc, name)
    assert isinstance([1], collections.Iterable)
    assert compat.alias_collections_abc() == []  # idempotent: nothing left to add


def test_inspect_getargspec_restored():
    compat.apply_compat()

    def f(a, b=2, *args, **kw):
        return a

    spec = inspect.getargspec(f)
    assert spec.args == ["a", "b"] and spec.varargs == "args" and spec.keywords == "kw" and spec.defaults == (2,)


# ---------------------------------------------------------------------------------------------------
# scikit-learn mean_squared_error(squared=...)
# ---------------------------------------------------------------------------------------------------
def test_sklearn_squared_shim_returns_rmse():
    metrics = pytest.importorskip("sklearn.metrics")
    assert compat.shim_sklearn_squared() is True
    assert compat.shim_sklearn_squared() is True  # idempotent
    wrapped = metrics.mean_squared_error
    assert getattr(wrapped.__wrapped__, "__tgnas_compat__", False) is False  # wrapped exactly once

    y = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    p = np.array([1.5, 1.0, 3.0, 6.0, 7.0])
    mse = sum((a - b) ** 2 for a, b in zip(y, p)) / len(y)  # 0.25 + 1 + 0 + 4 + 9 = 14.25 / 5
    assert mse == pytest.approx(2.85)
    assert metrics.mean_squared_error(y, p, squared=False) == pytest.approx(math.sqrt(mse))
    assert metrics.mean_squared_error(y, p, squared=True) == pytest.approx(mse)
    assert metrics.mean_squared_error(y, p) == pytest.approx(mse)
    w = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    assert metrics.mean_squared_error(y, p, sample_weight=w, squared=False) == pytest.approx(
        math.sqrt((0.25 + 1 + 0 + 4) / 4)
    )
    # `from sklearn import metrics; metrics.mean_squared_error` -- the way NASLib resolves it
    from sklearn import metrics as m2

    assert m2.mean_squared_error(y, p, squared=False) == pytest.approx(math.sqrt(mse))


# ---------------------------------------------------------------------------------------------------
# plain-int hashes / zc json keys
# ---------------------------------------------------------------------------------------------------
def test_plain_hash_converts_nested_numpy_scalars():
    h = (np.int64(2), (np.int32(1), [np.int64(3), np.float64(0.5)]), np.bool_(True), "x", 7)
    out = compat.plain_hash(h)
    assert out == (2, (1, [3, 0.5]), True, "x", 7)
    assert type(out[0]) is int and type(out[1][0]) is int and type(out[1][1][0]) is int
    assert type(out[1][1][1]) is float and type(out[2]) is bool
    assert isinstance(out[1], tuple) and isinstance(out[1][1], list)  # container types kept
    assert str(out) == "(2, (1, [3, 0.5]), True, 'x', 7)"
    assert compat.plain_hash(np.array([[1, 2], [3, 4]], dtype=np.int64)) == ((1, 2), (3, 4))
    # numpy >= 2 prints np.int64(...) inside containers, which no NASLib zc json key contains
    assert compat.zc_key((np.int64(2), np.int64(0))) == "(2, 0)"


def test_zc_key_nasbench301_uses_list_form():
    class FakeGraph:  # what NASLib's NB301 graph returns: a tuple of two tuples of (node, op) pairs
        def get_hash(self):
            return ((np.int64(0), np.int64(4)), (np.int64(1), np.int64(3))), ((np.int64(0), np.int64(3)),)

        def get_type(self):
            return "nasbench301"

    assert compat.zc_key(FakeGraph()) == "[[(0, 4), (1, 3)], [(0, 3)]]"
    assert compat.zc_key(FakeGraph().get_hash(), space="nasbench301") == "[[(0, 4), (1, 3)], [(0, 3)]]"
    assert compat.zc_key(FakeGraph().get_hash()) == "(((0, 4), (1, 3)), ((0, 3),))"


def test_compat_numpy_sums_generators():
    cnp = compat._CompatNumpy()
    with pytest.raises(TypeError):  # numpy >= 2.4; NASLib's count_parameters_in_MB does exactly this
        np.sum(x for x in (1, 2, 3))
    assert cnp.sum(x for x in (1, 2, 3)) == 6
    rows = cnp.sum((np.array([1.0, 2.0]) * k for k in (1, 2)), axis=0)  # wl_kernel: sum of arrays
    assert np.array_equal(rows, [3.0, 6.0])
    assert cnp.sum(np.ones((2, 3)), axis=0).tolist() == [2.0, 2.0, 2.0]  # arrays: numpy's sum


def test_compat_numpy_arrays_of_networkx_graphs():
    nx = pytest.importorskip("networkx")
    gnp = compat._CompatNumpy()
    graphs = [nx.DiGraph([(0, 1)]), nx.DiGraph([(0, 1), (1, 2)]), nx.DiGraph()]
    with pytest.raises(ValueError):  # what NASLib's GPWL hits with plain numpy >= 1.24
        np.array(graphs[:2])
    arr = gnp.array(graphs)
    assert arr.shape == (3,) and arr.dtype == object and arr[1] is graphs[1]
    two = gnp.array([graphs, graphs[::-1]])  # DARTS: (normal, reduce) x N
    assert two.shape == (2, 3) and two[1, 0] is graphs[2]
    assert gnp.array([1, 2]).dtype.kind == "i" and gnp.zeros(2).shape == (2,)  # everything else: numpy
    assert gnp.asarray(graphs).shape == (3,)


# ---------------------------------------------------------------------------------------------------
# torchvision stand-in
# ---------------------------------------------------------------------------------------------------
def test_torchvision_standin_modules_work():
    torch = pytest.importorskip("torch")
    mods = compat._build_torchvision_standin()  # built, not installed
    assert set(mods) >= {"torchvision", "torchvision.transforms", "torchvision.transforms.functional",
                         "torchvision.datasets", "torchvision.models", "torchvision.models.resnet"}
    T = mods["torchvision.transforms"]
    img = np.full((32, 32, 3), 255, dtype=np.uint8)
    t = T.Compose([T.ToTensor(), T.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])])(img)
    assert t.shape == (3, 32, 32) and t.dtype == torch.float32
    assert torch.allclose(t, torch.full_like(t, 2.0))
    crop = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()])(img)
    assert crop.shape == (3, 32, 32)
    jitter = T.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1)
    assert jitter.brightness == pytest.approx((0.8, 1.2)) and jitter.hue == pytest.approx((-0.1, 0.1))

    class Sub(T.Resize):  # NASLib's load_ops subclasses these at import time
        def __init__(self, size):
            self.size = size

    assert Sub(8).size == 8
    with pytest.raises(RuntimeError, match="torchvision"):
        mods["torchvision.datasets"].CIFAR10(root="/nonexistent", download=True)
    with pytest.raises(RuntimeError, match="cifar10_loader"):
        mods["torchvision.models"].resnet50()


def test_torchvision_standin_context_is_scoped():
    pytest.importorskip("torch")
    before = {k: v for k, v in sys.modules.items() if k == "torchvision" or k.startswith("torchvision.")}
    try:
        with compat.torchvision_standin() as used:
            if used:
                import torchvision.transforms as T

                assert compat.torchvision_is_standin() and hasattr(T, "Compose")
                assert importlib.util.find_spec("torchvision") is not None  # has a spec (no ValueError)
        after = {k: v for k, v in sys.modules.items() if k == "torchvision" or k.startswith("torchvision.")}
        if used:
            assert not compat.torchvision_is_standin()
            assert after == before  # removed again: find_spec probes (transformers) see no torchvision
    finally:
        for k in [k for k in sys.modules if k == "torchvision" or k.startswith("torchvision.")]:
            if k not in before:
                del sys.modules[k]
        sys.modules.update(before)


# ---------------------------------------------------------------------------------------------------
# offline CIFAR-10
# ---------------------------------------------------------------------------------------------------
def test_cifar10_loader_real_images(cifar_npz):
    torch = pytest.importorskip("torch")
    loader = compat.cifar10_loader(cifar_npz, batch_size=64)
    x, y = next(iter(loader))
    assert x.shape == (64, 3, 32, 32) and x.dtype == torch.float32
    assert y.shape == (64,) and y.dtype == torch.int64
    assert len(loader.dataset) == 1000 and len(loader) == 16

    raw = np.load(cifar_npz)
    xr, yr = raw["x"], raw["y"]
    assert np.array_equal(y.numpy(), yr[:64])
    # exact normalisation: (uint8 / 255 - mean) / std, HWC -> CHW
    mean = np.array(compat.CIFAR10_MEAN, dtype=np.float32)[:, None, None]
    std = np.array(compat.CIFAR10_STD, dtype=np.float32)[:, None, None]
    expect = (xr[0].transpose(2, 0, 1).astype(np.float32) / 255.0 - mean) / std
    assert np.allclose(x[0].numpy(), expect, atol=1e-5)
    # over real CIFAR-10 test images the standardised channels are ~N(0, 1)
    allx, ally = compat.load_cifar10_npz(cifar_npz)
    assert allx.mean(dim=(0, 2, 3)).abs().max().item() < 0.1
    assert (allx.std(dim=(0, 2, 3)) - 1).abs().max().item() < 0.1
    assert sorted(np.bincount(ally.numpy()).tolist()) == [100] * 10

    shuffled = [b[1] for b in compat.cifar10_loader(cifar_npz, batch_size=100, shuffle=True, seed=3)]
    again = [b[1] for b in compat.cifar10_loader(cifar_npz, batch_size=100, shuffle=True, seed=3)]
    assert all(torch.equal(a, b) for a, b in zip(shuffled, again))  # seeded


def test_cifar10_loader_missing_file_names_it(tmp_path):
    pytest.importorskip("torch")
    missing = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        compat.cifar10_loader(missing)


def test_offline_get_train_val_loaders_split(cifar_npz):
    pytest.importorskip("torch")
    fn = compat.make_offline_get_train_val_loaders(cifar_npz)
    search = types.SimpleNamespace(seed=0, batch_size=256, train_portion=0.7)
    config = types.SimpleNamespace(dataset="cifar10", search=search, batch_size=32, train_portion=0.7)
    train_q, valid_q, test_q, _, _ = fn(config)
    assert (len(train_q.dataset), len(valid_q.dataset), len(test_q.dataset)) == (700, 300, 1000)
    assert train_q.batch_size == 32  # config.batch_size wins over config.search.batch_size, as in NASLib
    with pytest.raises(ValueError, match="cifar10 only"):
        fn(types.SimpleNamespace(dataset="cifar100", search=search))


# ---------------------------------------------------------------------------------------------------
# the package boundary
# ---------------------------------------------------------------------------------------------------
def test_integration_package_says_how_to_install_naslib(monkeypatch):
    pytest.importorskip("tgnas_naslib")
    real_find_spec = importlib.util.find_spec

    def no_naslib(name, *args, **kwargs):
        return None if name == "naslib" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", no_naslib)
    for name in ("tgnas_naslib.naslib", "tgnas_naslib.naslib.compat"):
        if name in sys.modules:
            monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r"NASLib is not importable: install it with scripts/setup_naslib\.sh"):
        importlib.import_module("tgnas_naslib.naslib")


def test_core_package_does_not_import_naslib():
    pytest.importorskip("tgnas_naslib")
    code = ("import sys, tgnas_naslib; "
            "sys.exit(1 if any(m == 'naslib' or m.startswith('naslib.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], check=False).returncode == 0
