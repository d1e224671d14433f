"""Fix: NASLib's ``get_train_val_loaders`` downloads its datasets through torchvision (impossible offline).

Evidence: ``naslib/utils/dataset.py::get_train_val_loaders(config)`` reads ``config.data`` (an
``AttributeError: data`` for configs that lack the key, e.g. ``configs/bananas_nb201_zc_tgnas.yaml``) and
builds ``torchvision.datasets.CIFAR10(root=config.data, download=True)``. Zero-cost proxies always pull one
batch from a loader, even data-free ones (``predictive.find_measures``), and NASLib's zc runner calls it
even when every score comes from the zc api.

Fix: :func:`offline_get_train_val_loaders` replaces it (:func:`patch_train_val_loaders`). When NASLib's own
CIFAR-10 (``<config.data>/cifar-10-batches-py``) and a real torchvision are there, NASLib's function runs
unchanged. Otherwise cifar10 is served from the 1,000 real CIFAR-10 test images of
``<data dir>/images/cifar10_test_1000.npz`` (train/valid split by ``train_portion``, test = all of them) and
one warning says so (enough for zero-cost proxies, not for training a network). Datasets with no offline
images get loaders that raise one clear error when iterated, so a data-free proxy (``tgnas``) still runs.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tgnas_naslib import paths
from tgnas_naslib.datasets.files import CIFAR10_NPZ
from tgnas_naslib.errors import TGNASError

from ._marker import is_ours
from ._rebind import mark_replacement, rebind_naslib_function
from .torchvision_standin import real_torchvision_importable

logger = logging.getLogger("naslib.tgnas")

#: The standard CIFAR-10 channel statistics (the ones NASLib's ``_data_transforms_cifar10`` uses).
CIFAR10_MEAN = (0.49139968, 0.48215827, 0.44653124)
CIFAR10_STD = (0.24703233, 0.24348505, 0.26158768)
#: The npz file with real CIFAR-10 test images, relative to the benchmark data directory.
CIFAR10_NPZ_RELPATH = CIFAR10_NPZ

_warned: set[str] = set()


class ImagesUnavailable(TGNASError, RuntimeError):
    """A NASLib data loader was iterated for a dataset that has no images here (a user error: one line)."""


def default_cifar10_npz(data_dir: str | os.PathLike | None = None) -> Path:
    """``<data dir>/images/cifar10_test_1000.npz`` under the project's data-directory rule (may not exist)."""
    return paths.data_dir(data_dir) / CIFAR10_NPZ_RELPATH


def load_cifar10_npz(npz_path: str | os.PathLike) -> tuple[Any, Any]:
    """``x`` as a normalised NCHW float32 tensor (CIFAR-10 mean/std) and ``y`` as int64, from the npz."""
    import torch

    path = Path(npz_path)
    if not path.is_file():
        raise paths.MissingDataError(
            f"CIFAR-10 image file not found: {path} (an npz with x uint8 [N,32,32,3] and y int64, "
            f"{CIFAR10_NPZ_RELPATH} in the data directory; {paths.how_to_set()})")
    with np.load(path) as data:
        x, y = data["x"], data["y"]
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"{path}: expected x uint8 [N,H,W,3], got {x.dtype} {x.shape}")
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).float().div_(255.0)
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    return (xt - mean) / std, torch.from_numpy(np.asarray(y).astype(np.int64))


def cifar10_loader(npz_path: str | os.PathLike | None = None, batch_size: int = 64, shuffle: bool = False,
                   seed: int = 0, indices: Any = None, drop_last: bool = False):
    """A ``DataLoader`` of ``(x, y)`` batches over the real CIFAR-10 test images in the npz (seeded shuffle)."""
    import torch
    from torch.utils.data import DataLoader, Subset, TensorDataset

    x, y = load_cifar10_npz(npz_path if npz_path is not None else default_cifar10_npz())
    dataset: Any = TensorDataset(x, y)
    if indices is not None:
        dataset = Subset(dataset, list(indices))
    gen = torch.Generator().manual_seed(int(seed))
    return DataLoader(dataset, batch_size=int(batch_size), shuffle=shuffle, generator=gen,
                      drop_last=drop_last, num_workers=0)


class UnavailableLoader:
    """Stands where NASLib expects a loader for a dataset with no images here; iterating it raises one line."""

    def __init__(self, dataset: str, why: str):
        self.dataset, self.why = dataset, why

    def __iter__(self):
        raise ImagesUnavailable(self.why)

    def __len__(self) -> int:
        raise ImagesUnavailable(self.why)


def _cfg_get(cfg: Any, name: str, default: Any = None) -> Any:
    try:
        value = getattr(cfg, name)
    except AttributeError:
        try:
            value = cfg[name]
        except (KeyError, TypeError):
            return default
    return default if value is None else value


def _cifar10_transforms():
    """NASLib's own ``_data_transforms_cifar10`` (no cutout), with whichever torchvision NASLib bound."""
    nd = sys.modules.get("naslib.utils.dataset")
    if nd is None or not hasattr(nd, "_data_transforms_cifar10"):
        return None, None
    return nd._data_transforms_cifar10(types.SimpleNamespace(cutout=False))


def npz_train_val_loaders(config: Any, npz_path: str | os.PathLike) -> tuple:
    """NASLib's 5-tuple over the npz images: train/valid split by ``train_portion``, test = all images."""
    search = _cfg_get(config, "search")
    batch_size = _cfg_get(config, "batch_size") or _cfg_get(search, "batch_size", 64)
    train_portion = _cfg_get(config, "train_portion") or _cfg_get(search, "train_portion", 0.5)
    seed = int(_cfg_get(search, "seed", _cfg_get(config, "seed", 0)))
    x, _ = load_cifar10_npz(npz_path)
    n = int(x.shape[0])
    split = int(np.floor(float(train_portion) * n))
    train_queue = cifar10_loader(npz_path, batch_size, shuffle=True, seed=seed + 1, indices=range(split))
    valid_queue = cifar10_loader(npz_path, batch_size, shuffle=True, seed=seed, indices=range(split, n))
    test_queue = cifar10_loader(npz_path, batch_size, shuffle=False)
    return (train_queue, valid_queue, test_queue, *_cifar10_transforms())


def _naslib_has_own_data(config: Any, dataset: str) -> bool:
    root = _cfg_get(config, "data")
    if root is None or not real_torchvision_importable():
        return False
    folder = {"cifar10": "cifar-10-batches-py", "cifar100": "cifar-100-python"}.get(dataset)
    return folder is not None and (Path(root) / folder).is_dir()


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)


def make_offline_get_train_val_loaders(npz_path: str | os.PathLike | None = None, original: Callable | None = None):
    """A drop-in for ``naslib.utils.get_train_val_loaders(config, mode="train")`` (see the module doc).

    ``npz_path=None`` resolves ``images/cifar10_test_1000.npz`` in the data directory at call time.
    """
    def get_train_val_loaders(config, mode="train"):
        dataset = str(_cfg_get(config, "dataset", "cifar10"))
        if original is not None and (_naslib_has_own_data(config, dataset)
                                     or (dataset != "cifar10" and real_torchvision_importable())):
            return original(config, mode)
        if dataset == "cifar10":
            path = Path(npz_path) if npz_path is not None else default_cifar10_npz()
            _warn_once(f"cifar10:{path}", (
                f"NASLib's CIFAR-10 is not here: serving the real CIFAR-10 test images of {path} instead "
                f"(train/valid split by train_portion; enough for zero-cost proxies, not for training)"))
            return npz_train_val_loaders(config, path)
        why = (f"no {dataset} images here: NASLib's loader for {dataset} needs torchvision and the dataset "
               f"(offline images exist for cifar10 only: {CIFAR10_NPZ_RELPATH} in the data directory). "
               f"Data-free proxies such as tgnas need no images")
        _warn_once(f"none:{dataset}", why)
        return (UnavailableLoader(dataset, why), UnavailableLoader(dataset, why), UnavailableLoader(dataset, why),
                None, None)

    get_train_val_loaders.npz_path = None if npz_path is None else str(npz_path)
    return mark_replacement(get_train_val_loaders, original)


def patch_train_val_loaders(npz_path: str | os.PathLike | None = None) -> Callable:
    """Install the offline ``get_train_val_loaders`` in NASLib (idempotent; another path re-points it).

    Rebinds ``naslib.utils.get_train_val_loaders``, ``naslib.utils.dataset.get_train_val_loaders`` and every
    imported ``naslib.*`` module that did ``from naslib.utils import get_train_val_loaders``.
    """
    if npz_path is not None and not Path(npz_path).is_file():
        raise paths.MissingDataError(f"CIFAR-10 npz not found: {npz_path}")
    nu = importlib.import_module("naslib.utils")
    nd = importlib.import_module("naslib.utils.dataset")
    current = nd.get_train_val_loaders
    original = current.original if is_ours(current) else current
    new = make_offline_get_train_val_loaders(npz_path, original)
    rebind_naslib_function("get_train_val_loaders", new,
                           (current, original, getattr(nu, "get_train_val_loaders", None)))
    return new
