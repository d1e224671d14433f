"""compat.cifar10: NASLib's get_train_val_loaders served offline (real CIFAR-10 images from the data directory)."""

import types

import numpy as np
import pytest

from conftest import compat_module

fix = compat_module("cifar10")


@pytest.fixture(scope="module")
def cifar_npz():
    path = fix.default_cifar10_npz()
    if not path.is_file():
        pytest.skip(f"needs benchmark file {path} (set TGNAS_DATA_DIR to a benchmarks_data directory holding "
                    f"{fix.CIFAR10_NPZ_RELPATH})")
    return path


def test_npz_follows_the_data_dir_rule(tmp_path, monkeypatch):
    monkeypatch.setenv("TGNAS_DATA_DIR", str(tmp_path))
    assert fix.default_cifar10_npz() == tmp_path / "images" / "cifar10_test_1000.npz"
    expected = __import__("pathlib").Path("/elsewhere/images/cifar10_test_1000.npz")
    assert fix.default_cifar10_npz("/elsewhere") == expected


def test_loader_real_images(cifar_npz):
    torch = pytest.importorskip("torch")
    loader = fix.cifar10_loader(cifar_npz, batch_size=64)
    x, y = next(iter(loader))
    assert x.shape == (64, 3, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert len(loader.dataset) == 1000 and len(loader) == 16
    raw = np.load(cifar_npz)
    assert np.array_equal(y.numpy(), raw["y"][:64])
    mean = np.array(fix.CIFAR10_MEAN, dtype=np.float32)[:, None, None]
    std = np.array(fix.CIFAR10_STD, dtype=np.float32)[:, None, None]
    expect = (raw["x"][0].transpose(2, 0, 1).astype(np.float32) / 255.0 - mean) / std
    assert np.allclose(x[0].numpy(), expect, atol=1e-5)
    allx, ally = fix.load_cifar10_npz(cifar_npz)
    assert allx.mean(dim=(0, 2, 3)).abs().max().item() < 0.1  # standardised channels ~N(0, 1)
    assert sorted(np.bincount(ally.numpy()).tolist()) == [100] * 10
    a = [b[1] for b in fix.cifar10_loader(cifar_npz, batch_size=100, shuffle=True, seed=3)]
    b = [b[1] for b in fix.cifar10_loader(cifar_npz, batch_size=100, shuffle=True, seed=3)]
    assert all(torch.equal(u, v) for u, v in zip(a, b))  # seeded


def test_missing_npz_names_file_and_directory(tmp_path):
    pytest.importorskip("torch")
    with pytest.raises(FileNotFoundError, match="nope.npz.*TGNAS_DATA_DIR"):
        fix.cifar10_loader(tmp_path / "nope.npz")


def test_offline_loaders_split_and_datasets_without_images(cifar_npz):
    pytest.importorskip("torch")
    fn = fix.make_offline_get_train_val_loaders(cifar_npz)
    search = types.SimpleNamespace(seed=0, batch_size=256, train_portion=0.7)
    config = types.SimpleNamespace(dataset="cifar10", search=search, batch_size=32, train_portion=0.7)  # no .data
    train_q, valid_q, test_q, _, _ = fn(config)
    assert (len(train_q.dataset), len(valid_q.dataset), len(test_q.dataset)) == (700, 300, 1000)
    assert train_q.batch_size == 32  # config.batch_size wins over config.search.batch_size, as in NASLib
    loaders = fn(types.SimpleNamespace(dataset="cifar100", search=search))  # built: a data-free proxy runs
    with pytest.raises(fix.ImagesUnavailable, match="no cifar100 images here.*tgnas need no images"):
        iter(loaders[0])
