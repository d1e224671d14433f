"""Fix: a ``torchvision`` import stand-in, for NASLib's module-level torchvision imports.

Evidence: NASLib imports torchvision at import time (``naslib/utils/__init__.py``, ``naslib/utils/dataset.py``,
``naslib/utils/load_ops.py`` which subclasses ``torchvision.transforms`` classes at module level,
``naslib/search_spaces/core/primitives.py`` and ``naslib/search_spaces/transbench101/tnb101/models/encoder.py``),
but only its data loaders (and the TNB101 ResNet-50 encoder) use it. Without torchvision, ``import
naslib.search_spaces`` dies on ``No module named 'torchvision'``; the PyPI torchvision wheel is a CUDA build
that fails to import beside the CPU ``torch==2.13.0`` ("operator torchvision::nms does not exist").
Fix: when the real torchvision is absent or broken, a minimal stand-in package is in ``sys.modules`` while
``naslib.utils`` and ``naslib.search_spaces`` (which pull in every module-level torchvision import of NASLib)
are imported, and is removed afterwards (:func:`import_naslib_with_standin`). It has working tensor versions
of the CIFAR transforms, base classes that ``load_ops`` subclasses, and dataset / model constructors that
raise a clear error. Why not leave it in ``sys.modules``: ``importlib.util.find_spec("torchvision")`` then
succeeds, and transformers (used by sentence-transformers, TG-NAS's embedder) decides torchvision is
available and fails at ``from torchvision.transforms import InterpolationMode``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import sys
import types
from typing import Any

import numpy as np

from ._marker import MARK, is_ours

_STANDIN_MSG = (
    "torchvision is not usable here, and tgnas_naslib installed a minimal import stand-in for it so that "
    "NASLib can be imported. {what} needs the real torchvision (pip install a torchvision matching your "
    "torch). NASLib's get_train_val_loaders serves CIFAR-10 offline from the data directory (see "
    "tgnas_naslib.naslib.compat.cifar10)."
)


def torchvision_is_standin() -> bool:
    """True when ``sys.modules['torchvision']`` is the stand-in installed by this module."""
    tv = sys.modules.get("torchvision")
    return tv is not None and is_ours(tv)


def real_torchvision_importable() -> bool:
    """True when the real torchvision imports (a failed import leaves nothing behind in ``sys.modules``)."""
    if "torchvision" in sys.modules:
        return not torchvision_is_standin()
    try:
        importlib.import_module("torchvision")
        return True
    except Exception:  # noqa: BLE001 -- ModuleNotFoundError, or the CUDA wheel's RuntimeError
        # ("operator torchvision::nms does not exist"): drop whatever the failed import left behind
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
        return False


def _to_chw_float(img) -> Any:
    import torch

    if isinstance(img, torch.Tensor):
        t = img
        if t.dtype == torch.uint8:
            t = t.float().div(255.0)
        return t
    arr = np.asarray(img)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    t = torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
    return t.float().div(255.0) if arr.dtype == np.uint8 else t.float()


def _build_torchvision_standin() -> dict[str, types.ModuleType]:
    import torch

    def module(name: str, doc: str) -> types.ModuleType:
        m = types.ModuleType(name, doc)
        setattr(m, MARK, True)
        # a package with a spec: importlib.util.find_spec("torchvision") (used by transformers and others
        # to probe for torchvision) raises ValueError on a sys.modules entry whose __spec__ is None
        m.__spec__ = importlib.machinery.ModuleSpec(name, None, origin="tgnas_naslib stand-in", is_package=True)
        m.__path__ = []
        return m

    tv = module("torchvision", "tgnas_naslib stand-in for torchvision (import-only; see tgnas_naslib.naslib.compat)")
    tv.__version__ = "0.0.0+tgnas.standin"
    transforms = module("torchvision.transforms", "stand-in: tensor versions of the CIFAR transforms")
    functional = module("torchvision.transforms.functional", "stand-in: a few tensor functions")
    datasets = module("torchvision.datasets", "stand-in: every dataset raises")
    models = module("torchvision.models", "stand-in: every model raises")
    resnet = module("torchvision.models.resnet", "stand-in: every model raises")

    def unavailable(what: str):
        def f(*args, **kwargs):
            raise RuntimeError(_STANDIN_MSG.format(what=what))

        f.__name__ = f.__qualname__ = what.rsplit(".", 1)[-1]
        return f

    # --- functional ---------------------------------------------------------------------------
    def to_tensor(pic):
        return _to_chw_float(pic)

    def normalize(tensor, mean, std, inplace=False):
        mean_t = torch.as_tensor(mean, dtype=tensor.dtype, device=tensor.device).view(-1, 1, 1)
        std_t = torch.as_tensor(std, dtype=tensor.dtype, device=tensor.device).view(-1, 1, 1)
        if inplace:
            return tensor.sub_(mean_t).div_(std_t)
        return (tensor - mean_t) / std_t

    def hflip(img):
        if isinstance(img, torch.Tensor):
            return img.flip(-1)
        raise RuntimeError(_STANDIN_MSG.format(what="torchvision.transforms.functional.hflip on a PIL image"))

    functional.to_tensor = to_tensor
    functional.normalize = normalize
    functional.hflip = hflip
    for name in ("resize", "to_pil_image", "to_grayscale", "adjust_brightness", "adjust_contrast",
                 "adjust_saturation", "adjust_hue", "crop", "center_crop", "rotate", "pad"):
        setattr(functional, name, unavailable(f"torchvision.transforms.functional.{name}"))

    # --- transforms ---------------------------------------------------------------------------
    class Compose:
        def __init__(self, transforms):
            self.transforms = transforms

        def __call__(self, img):
            for t in self.transforms:
                img = t(img)
            return img

    class ToTensor:
        def __call__(self, pic):
            return to_tensor(pic)

    class Normalize:
        def __init__(self, mean, std, inplace=False):
            self.mean, self.std, self.inplace = mean, std, inplace

        def __call__(self, tensor):
            return normalize(tensor, self.mean, self.std, self.inplace)

    class RandomCrop:
        def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
            self.size = (size, size) if isinstance(size, int) else tuple(size)
            self.padding, self.fill = padding, fill

        def __call__(self, img):
            img = _to_chw_float(img) if not isinstance(img, torch.Tensor) else img
            if self.padding:
                p = self.padding
                img = torch.nn.functional.pad(img, (p, p, p, p), value=float(self.fill))
            h, w = img.shape[-2:]
            th, tw = self.size
            i = int(torch.randint(0, h - th + 1, (1,)))
            j = int(torch.randint(0, w - tw + 1, (1,)))
            return img[..., i:i + th, j:j + tw]

    class RandomHorizontalFlip:
        def __init__(self, p=0.5):
            self.p = p

        def __call__(self, img):
            return hflip(img) if torch.rand(1).item() < self.p else img

    class _Unavailable:
        """Base class NASLib's load_ops can subclass; calling it needs the real torchvision."""

        def __init__(self, *args, **kwargs):
            pass

        def __call__(self, *args, **kwargs):
            raise RuntimeError(_STANDIN_MSG.format(what=f"torchvision.transforms.{type(self).__name__}"))

    class ColorJitter(_Unavailable):
        def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
            self.brightness = self._check_input(brightness, "brightness")
            self.contrast = self._check_input(contrast, "contrast")
            self.saturation = self._check_input(saturation, "saturation")
            self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

        @staticmethod
        def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
            if isinstance(value, (int, float)):
                if value < 0:
                    raise ValueError(f"If {name} is a single number, it must be non negative.")
                value = [center - float(value), center + float(value)]
                if clip_first_on_zero:
                    value[0] = max(value[0], 0.0)
            else:
                value = [float(value[0]), float(value[1])]
            if not bound[0] <= value[0] <= value[1] <= bound[1]:
                raise ValueError(f"{name} values should be between {bound}, but got {value}.")
            return None if value[0] == value[1] == center else tuple(value)

    ns = {"Compose": Compose, "ToTensor": ToTensor, "Normalize": Normalize, "RandomCrop": RandomCrop,
          "RandomHorizontalFlip": RandomHorizontalFlip, "ColorJitter": ColorJitter}
    for name in ("Resize", "ToPILImage", "RandomGrayscale", "CenterCrop", "RandomResizedCrop", "Pad",
                 "Lambda", "RandomRotation", "Grayscale"):
        ns[name] = type(name, (_Unavailable,), {"__module__": "torchvision.transforms"})
    for name, obj in ns.items():
        obj.__module__ = "torchvision.transforms"
        obj.__qualname__ = name
        setattr(transforms, name, obj)
    transforms.functional = functional

    # --- datasets / models ----------------------------------------------------------------------
    for name in ("CIFAR10", "CIFAR100", "SVHN", "MNIST", "FashionMNIST", "ImageFolder", "ImageNet",
                 "DatasetFolder"):
        setattr(datasets, name, unavailable(f"torchvision.datasets.{name}"))
    for name in ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152"):
        setattr(models, name, unavailable(f"torchvision.models.{name}"))
        setattr(resnet, name, unavailable(f"torchvision.models.resnet.{name}"))
    for name in ("ResNet", "BasicBlock", "Bottleneck"):
        setattr(resnet, name, type(name, (_Unavailable,), {"__module__": "torchvision.models.resnet"}))
    models.resnet = resnet

    tv.transforms, tv.datasets, tv.models = transforms, datasets, models
    return {m.__name__: m for m in (tv, transforms, functional, datasets, models, resnet)}


def _torchvision_entries() -> list[str]:
    return [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]


def install_torchvision_standin(force: bool = False) -> bool:
    """Put the torchvision stand-in into ``sys.modules`` (and keep it there) unless the real one imports.

    Returns True when the stand-in is (now) in place, False when the real torchvision is used.
    ``force=True`` installs the stand-in even over a working torchvision (tests only).

    Prefer :func:`torchvision_standin` (what :func:`apply_compat` uses): a stand-in that stays in
    ``sys.modules`` makes ``importlib.util.find_spec("torchvision")`` succeed, so libraries that probe for
    torchvision (transformers, used by sentence-transformers) then import parts of it that no stand-in
    has (``from torchvision.transforms import InterpolationMode``) and fail.
    """
    if torchvision_is_standin():
        return True
    if not force and real_torchvision_importable():
        return False
    for name in _torchvision_entries():
        del sys.modules[name]
    sys.modules.update(_build_torchvision_standin())
    return True


def uninstall_torchvision_standin() -> bool:
    """Remove the stand-in's modules from ``sys.modules`` (modules that imported it keep their references)."""
    if not torchvision_is_standin():
        return False
    for name in _torchvision_entries():
        if is_ours(sys.modules[name]):
            del sys.modules[name]
    return True


@contextlib.contextmanager
def torchvision_standin():
    """Context manager: the stand-in is in ``sys.modules`` inside the block (when the real torchvision is
    absent or broken) and removed on exit. Yields True when the stand-in is in use, False for the real one.

    Import the NASLib modules that do ``import torchvision...`` at module level inside the block; they
    keep working references afterwards, while later ``find_spec("torchvision")`` probes (transformers)
    correctly see no torchvision.
    """
    was_installed = torchvision_is_standin()
    active = install_torchvision_standin()
    try:
        yield active
    finally:
        if active and not was_installed:
            uninstall_torchvision_standin()


#: NASLib modules whose import pulls in every module-level ``import torchvision...`` of NASLib:
#: naslib.utils (-> utils/dataset.py, utils/load_ops.py) and naslib.search_spaces
#: (-> core/primitives.py, transbench101/tnb101/models/encoder.py). Other NASLib modules that import
#: torchvision (utils/ninapro_dataset.py, utils/darcyflow_dataset.py, utils/custom_dataset.py) load
#: only datasets that need the real torchvision anyway.
NASLIB_TORCHVISION_IMPORTERS = ("naslib.utils", "naslib.search_spaces")


def import_naslib_with_standin() -> str:
    """Import :data:`NASLIB_TORCHVISION_IMPORTERS` with the stand-in in place when torchvision is unusable.

    Returns ``"real"`` (torchvision works), ``"standin"`` (imported through the stand-in, now removed
    from ``sys.modules``), or ``"already"`` (those modules were imported before).
    """
    if all(m in sys.modules for m in NASLIB_TORCHVISION_IMPORTERS):
        return "already"
    with torchvision_standin() as used:
        for name in NASLIB_TORCHVISION_IMPORTERS:
            importlib.import_module(name)
    return "standin" if used else "real"

