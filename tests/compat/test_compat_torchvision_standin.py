"""compat.torchvision_standin: NASLib imports through a scoped torchvision stand-in with working CIFAR transforms."""

import importlib.util
import sys

import numpy as np
import pytest

from conftest import compat_module

fix = compat_module("torchvision_standin")


def test_standin_modules_work():
    torch = pytest.importorskip("torch")
    mods = fix._build_torchvision_standin()  # built, not installed
    assert set(mods) >= {"torchvision", "torchvision.transforms", "torchvision.transforms.functional",
                         "torchvision.datasets", "torchvision.models", "torchvision.models.resnet"}
    T = mods["torchvision.transforms"]
    img = np.full((32, 32, 3), 255, dtype=np.uint8)
    t = T.Compose([T.ToTensor(), T.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])])(img)
    assert t.shape == (3, 32, 32) and t.dtype == torch.float32
    assert torch.allclose(t, torch.full_like(t, 2.0))
    assert T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()])(img).shape == (3, 32, 32)
    jitter = T.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1)
    assert jitter.brightness == pytest.approx((0.8, 1.2)) and jitter.hue == pytest.approx((-0.1, 0.1))

    class Sub(T.Resize):  # NASLib's load_ops subclasses these at import time
        def __init__(self, size):
            self.size = size

    assert Sub(8).size == 8
    with pytest.raises(RuntimeError, match="torchvision"):
        mods["torchvision.datasets"].CIFAR10(root="/nonexistent", download=True)
    with pytest.raises(RuntimeError, match="offline from the data directory"):
        mods["torchvision.models"].resnet50()


def test_standin_is_scoped():
    pytest.importorskip("torch")
    before = {k: v for k, v in sys.modules.items() if k == "torchvision" or k.startswith("torchvision.")}
    try:
        with fix.torchvision_standin() as used:
            if used:
                import torchvision.transforms as T

                assert fix.torchvision_is_standin() and hasattr(T, "Compose")
                assert importlib.util.find_spec("torchvision") is not None  # has a spec (no ValueError)
        after = {k: v for k, v in sys.modules.items() if k == "torchvision" or k.startswith("torchvision.")}
        if used:
            assert not fix.torchvision_is_standin()
            assert after == before  # removed again: find_spec probes (transformers) see no torchvision
    finally:
        for k in [k for k in sys.modules if k == "torchvision" or k.startswith("torchvision.")]:
            if k not in before:
                del sys.modules[k]
        sys.modules.update(before)
