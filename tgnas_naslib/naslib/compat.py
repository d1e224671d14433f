"""Make a stock NASLib checkout importable and correct on Python 3.11 with current numpy / scipy /
scikit-learn / torch, without editing NASLib.

This module itself never imports NASLib at import time (only :func:`apply_compat` touches it, and only
when it is importable), so its helpers can be used and tested without a NASLib checkout.

Every fix below was hit on NASLib ``Develop`` (commit 0b51bc18) under Python 3.11.7, numpy 2.4,
scipy 1.17, scikit-learn 1.9, torch 2.13 (CPU):

1. ``collections.Iterable`` & co. were removed in Python 3.10.
   NASLib: ``naslib/predictors/gp/gpwl_utils/wl_kernel.py`` (``isinstance(X, collections.Iterable)`` in the
   WL kernel used by the GPWL predictor) -> AttributeError at fit time.
   Fix: alias every missing ``collections.abc`` name onto ``collections`` (:func:`alias_collections_abc`).

2. scikit-learn >= 1.6 removed ``mean_squared_error(..., squared=False)``.
   NASLib: ``naslib/utils/zerocost.py::compute_scores``, ``naslib/defaults/predictor_evaluator.py``
   (``compare``/metrics) and ``naslib/utils/__init__.py::cross_validation`` all call
   ``metrics.mean_squared_error(ytest, pred, squared=False)`` through ``from sklearn import metrics``.
   ``compute_scores`` wraps everything in a bare ``except:`` and silently returns NaN for EVERY metric
   (spearman, kendalltau, ... included), not just rmse. Fix: replace the attribute
   ``sklearn.metrics.mean_squared_error`` (the name NASLib resolves at call time) with a wrapper that
   accepts ``squared=`` and returns the RMSE for ``squared=False`` (:func:`shim_sklearn_squared`).

3. ``torchvision``: NASLib imports it at import time (``naslib/utils/__init__.py``,
   ``naslib/utils/dataset.py``, ``naslib/utils/load_ops.py`` which subclasses ``torchvision.transforms``
   classes at module level, ``naslib/search_spaces/core/primitives.py`` and
   ``naslib/search_spaces/transbench101/tnb101/models/encoder.py`` (``torchvision.models``)), but only
   its data loaders (and the TNB101 ResNet-50 encoder) use it. The PyPI torchvision wheel is a CUDA build
   that fails to import beside the CPU ``torch==2.13.0`` ("operator torchvision::nms does not exist").
   Fix: when the real torchvision is absent or fails to import, a minimal stand-in package goes into
   ``sys.modules`` while ``naslib.utils`` and ``naslib.search_spaces`` (which pull in every module-level
   torchvision import of NASLib) are imported, and is removed again afterwards
   (:func:`import_naslib_with_standin`, :func:`torchvision_standin`). It has working tensor versions of
   the CIFAR transforms (Compose, ToTensor, Normalize, RandomCrop, RandomHorizontalFlip), base classes
   that NASLib's ``load_ops`` subclasses, and dataset / model constructors that raise a clear error.
   Why not leave it in ``sys.modules``: ``importlib.util.find_spec("torchvision")`` then succeeds, and
   transformers (used by sentence-transformers, which TG-NAS's embedder uses) decides torchvision is
   available and fails at ``from torchvision.transforms import InterpolationMode``
   (transformers/image_utils.py). :func:`install_torchvision_standin` keeps it installed for callers that
   want that anyway.

4. Offline data: ``naslib/utils/dataset.py::get_train_val_loaders`` downloads CIFAR through
   ``torchvision.datasets`` (impossible offline, and with the stand-in). ZeroCost proxies always pull
   one batch from a loader, even data-free ones (``predictive.find_measures``).
   Fix: :func:`cifar10_loader` serves real CIFAR-10 test images from an ``.npz``
   (``x`` uint8 [N,32,32,3], ``y`` int64) and :func:`patch_train_val_loaders` makes
   ``get_train_val_loaders`` return loaders over it for ``config.dataset == "cifar10"`` (other datasets
   go to NASLib's original function). It rebinds ``naslib.utils.get_train_val_loaders``,
   ``naslib.utils.dataset.get_train_val_loaders`` and every already-imported ``naslib.*`` module that did
   ``from naslib.utils import get_train_val_loaders`` (bananas / npenas optimizers).

5. numpy >= 2: hashes of NB101 graphs (``set_spec``), of sampled NB301 / TNB101 graphs and of mutated
   NB201 graphs (``mutate`` draws the new op with ``np.random.choice``) hold ``np.int64``, and
   ``str(hash)`` then reads ``(np.int64(1), ...)``, which matches no key of NASLib's zc json files
   (``naslib/utils/get_dataset_api.py::get_zc_benchmark_api`` keys are ``str(tuple_of_ints)``).
   NASLib's graphs are NOT monkeypatched: callers convert with :func:`plain_hash` / :func:`zc_key`,
   e.g. ``zc_api[zc_key(graph)]`` == ``zc_api[str(plain_hash(graph.get_hash()))]``. (For nasbench301 the
   json keys are the string of a list of two lists of (node, op) tuples while ``get_hash()`` is a tuple of
   tuples; :func:`zc_key` produces the json form.)

6. ``inspect.getargspec`` was removed in Python 3.11.
   NASLib: ``naslib/predictors/lce_m/curvemodels.py`` (LCE-M learning-curve predictor).
   Fix: restore it as a thin wrapper over ``inspect.getfullargspec`` (:func:`restore_inspect_getargspec`).

7. numpy >= 1.24: ``np.array([...networkx graphs...])`` raises "inhomogeneous shape" (a DiGraph has
   ``__len__``/``__iter__``, so numpy descends into it; older numpy built a ragged object array).
   NASLib: ``naslib/predictors/gp/gpwl.py`` (``GraphGP.__init__``: ``np.array([xtrain[i] ...])`` and
   ``np.array(xtrain)[:, valid]``; ``GPWLPredictor._convert_data`` for DARTS) -> the GPWL predictor
   (Ensemble ``gpwl``) fails in ``fit``. Fix: that module's global ``np`` becomes a numpy proxy whose
   ``array``/``asarray`` build object arrays for (nested) lists of networkx graphs
   (:func:`patch_naslib_numpy`); every other numpy call goes to numpy unchanged.

8. numpy >= 2.4 raises TypeError for ``np.sum(generator)`` (deprecated since 1.15, which summed it with
   Python's ``sum``). NASLib: ``naslib/utils/__init__.py::count_parameters_in_MB`` -- called by every
   discrete optimizer's ``get_model_size()`` (RE, Bananas, Npenas, LS, BP), i.e. in
   ``naslib/defaults/trainer.py::Trainer.__init__`` -- so no ``Trainer`` can be built; also
   ``naslib/predictors/gp/gpwl_utils/wl_kernel.py::WeisfeilerLehman.transform``. Fix: the same numpy
   proxy (item 7) in those modules sums a generator with Python's ``sum``, as numpy < 2.4 did.

Known and deliberately left alone (see ``NASLIB_CONTRACT.md``): ``naslib.utils.parse_args`` binds
``sys.argv`` at import (build fvcore ``CfgNode`` configs directly); importing the search spaces puts
``naslib/search_spaces/transbench101/tnb101`` first on ``sys.path`` and registers a top-level ``models``
module.
"""

from __future__ import annotations

import collections
import collections.abc
import contextlib
import importlib
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "alias_collections_abc",
    "apply_compat",
    "cifar10_loader",
    "default_cifar10_npz",
    "import_naslib_with_standin",
    "install_torchvision_standin",
    "load_cifar10_npz",
    "patch_naslib_numpy",
    "patch_train_val_loaders",
    "plain_hash",
    "restore_inspect_getargspec",
    "shim_sklearn_squared",
    "torchvision_is_standin",
    "torchvision_standin",
    "uninstall_torchvision_standin",
    "zc_key",
]

#: The standard CIFAR-10 channel statistics (the ones NASLib's ``_data_transforms_cifar10`` uses).
CIFAR10_MEAN = (0.49139968, 0.48215827, 0.44653124)
CIFAR10_STD = (0.24703233, 0.24348505, 0.26158768)

#: The npz file with real CIFAR-10 test images, relative to the benchmark data directory.
CIFAR10_NPZ_RELPATH = "images/cifar10_test_1000.npz"

_MARK = "__tgnas_compat__"  # attribute set on everything this module installs (idempotency marker)


# ----------------------------------------------------------------------------------------------
# 1. collections aliases
# ----------------------------------------------------------------------------------------------
def alias_collections_abc() -> list[str]:
    """Alias the ABCs that Python 3.10 removed from ``collections`` (Iterable, Sequence, Mapping, ...).

    Returns the names that were added (empty when already present).
    """
    added = []
    for name in collections.abc.__all__:
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
            added.append(name)
    return added


# ----------------------------------------------------------------------------------------------
# 2. scikit-learn mean_squared_error(squared=...)
# ----------------------------------------------------------------------------------------------
def _rmse(original: Callable, y_true, y_pred, **kwargs):
    try:
        from sklearn.metrics import root_mean_squared_error  # scikit-learn >= 1.4
    except ImportError:  # pragma: no cover - old scikit-learn still takes squared=
        return original(y_true, y_pred, squared=False, **kwargs)
    return root_mean_squared_error(y_true, y_pred, **kwargs)


def shim_sklearn_squared() -> bool:
    """Make ``sklearn.metrics.mean_squared_error`` accept ``squared=`` again (RMSE for ``squared=False``).

    NASLib calls it as ``metrics.mean_squared_error`` after ``from sklearn import metrics``, so replacing
    the module attribute is enough. Returns True when the wrapper is in place (False: no scikit-learn).
    """
    try:
        import sklearn.metrics as skm
    except ImportError:
        return False
    current = skm.mean_squared_error
    if getattr(current, _MARK, False):
        return True
    original = current

    def mean_squared_error(y_true, y_pred, *args, squared: bool = True, **kwargs):
        """scikit-learn's mean_squared_error, with the removed ``squared=`` keyword restored (tgnas compat)."""
        if squared:
            return original(y_true, y_pred, *args, **kwargs)
        if args:  # positional sample_weight / multioutput, as the old signature allowed
            names = ("sample_weight", "multioutput")
            kwargs.update(dict(zip(names, args)))
        return _rmse(original, y_true, y_pred, **kwargs)

    mean_squared_error.__wrapped__ = original
    setattr(mean_squared_error, _MARK, True)
    skm.mean_squared_error = mean_squared_error
    return True


# ----------------------------------------------------------------------------------------------
# 5. plain-int hashes
# ----------------------------------------------------------------------------------------------
def plain_hash(x: Any) -> Any:
    """Return ``x`` with every numpy scalar replaced by the plain Python one, recursively.

    Tuples stay tuples and lists stay lists; numpy arrays become (nested) tuples. So ``str(plain_hash(h))`` of a
    NASLib ``graph.get_hash()`` reads ``(1, 2, ...)`` as NASLib's zc json keys do, even under numpy >= 2
    where ``str((np.int64(1),))`` is ``'(np.int64(1),)'``.
    """
    if isinstance(x, np.ndarray):
        return x.item() if x.ndim == 0 else tuple(plain_hash(v) for v in x)
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, tuple):
        return tuple(plain_hash(v) for v in x)
    if isinstance(x, list):
        return [plain_hash(v) for v in x]
    return x


def zc_key(graph_or_hash: Any, space: str | None = None) -> str:
    """The key of an architecture in NASLib's zc json files (``zc_<space>.json[space][dataset][key]``).

    ``graph_or_hash`` is a NASLib graph (anything with ``get_hash()``; its ``get_type()`` gives
    ``space`` when not passed) or a hash. The key is ``str(plain_hash(h))`` -- e.g. ``'(2, 2, 0, 2, 2, 2)'``
    for NB201 / TNB101 and the 56-tuple for NB101 -- except for ``nasbench301``, whose json keys are
    the string of a LIST of two LISTS of (node, op) tuples (``'[[(0, 4), (1, 3), ...], [...]]'``) while
    ``get_hash()`` returns a tuple of tuples (``make_compact_immutable``).
    """
    h = graph_or_hash
    if hasattr(graph_or_hash, "get_hash"):
        h = graph_or_hash.get_hash()
        if space is None and hasattr(graph_or_hash, "get_type"):
            space = graph_or_hash.get_type()
    h = plain_hash(h)
    if space == "nasbench301":
        return str([[tuple(pair) for pair in cell] for cell in h])
    return str(h)


# ----------------------------------------------------------------------------------------------
# 6. inspect.getargspec
# ----------------------------------------------------------------------------------------------
_ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")


def restore_inspect_getargspec() -> bool:
    """Restore ``inspect.getargspec`` (removed in Python 3.11) as a wrapper over ``getfullargspec``."""
    if hasattr(inspect, "getargspec"):
        return False

    def getargspec(func):
        spec = inspect.getfullargspec(func)
        return _ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    setattr(getargspec, _MARK, True)
    inspect.getargspec = getargspec
    return True


# ----------------------------------------------------------------------------------------------
# 3. torchvision stand-in
# ----------------------------------------------------------------------------------------------
_STANDIN_MSG = (
    "torchvision is not usable here, and tgnas_naslib installed a minimal import stand-in for it so that "
    "NASLib can be imported. {what} needs the real torchvision (pip install a torchvision matching your "
    "torch). For CIFAR-10 use tgnas_naslib.naslib.cifar10_loader(...) or apply_compat(cifar_npz=...)."
)


def torchvision_is_standin() -> bool:
    """True when ``sys.modules['torchvision']`` is the stand-in installed by this module."""
    tv = sys.modules.get("torchvision")
    return tv is not None and getattr(tv, _MARK, False)


def _real_torchvision_importable() -> bool:
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
        setattr(m, _MARK, True)
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
    if not force and _real_torchvision_importable():
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
        if getattr(sys.modules[name], _MARK, False):
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


# ----------------------------------------------------------------------------------------------
# 4. offline CIFAR-10
# ----------------------------------------------------------------------------------------------
def default_cifar10_npz() -> Path:
    """Where the CIFAR-10 npz is looked for: ``$TGNAS_DATA_DIR/images/cifar10_test_1000.npz``, else
    ``<repo>/../shared/benchmarks_data/images/cifar10_test_1000.npz`` (the layout CI uses).
    The returned path may not exist."""
    env = os.environ.get("TGNAS_DATA_DIR")
    if env:
        return Path(env).expanduser() / CIFAR10_NPZ_RELPATH
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "benchmarks_data" / CIFAR10_NPZ_RELPATH


def load_cifar10_npz(npz_path: str | os.PathLike) -> tuple[Any, Any]:
    """Load ``x`` (uint8 [N,32,32,3]) and ``y`` (int) from the npz as a normalised NCHW float32 tensor
    (standard CIFAR-10 mean/std) and an int64 label tensor."""
    import torch

    path = Path(npz_path)
    if not path.is_file():
        raise FileNotFoundError(
            f"CIFAR-10 image file not found: {path} (expected an npz with x uint8 [N,32,32,3] and y int64; "
            f"set TGNAS_DATA_DIR to the benchmarks_data directory that holds {CIFAR10_NPZ_RELPATH})"
        )
    with np.load(path) as data:
        x, y = data["x"], data["y"]
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"{path}: expected x uint8 [N,H,W,3], got {x.dtype} {x.shape}")
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).float().div_(255.0)
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    xt = (xt - mean) / std
    yt = torch.from_numpy(np.asarray(y).astype(np.int64))
    return xt, yt


def cifar10_loader(
    npz_path: str | os.PathLike | None = None,
    batch_size: int = 64,
    shuffle: bool = False,
    seed: int = 0,
    indices: Any = None,
    drop_last: bool = False,
):
    """A ``torch.utils.data.DataLoader`` over real CIFAR-10 test images stored in an npz.

    Batches are ``(x, y)``: ``x`` float32 [B,3,32,32] normalised with :data:`CIFAR10_MEAN` /
    :data:`CIFAR10_STD`, ``y`` int64 [B]. ``indices`` restricts to a subset; ``shuffle`` draws with a
    generator seeded by ``seed`` (reproducible). ``npz_path=None`` uses :func:`default_cifar10_npz`.
    """
    import torch
    from torch.utils.data import DataLoader, Subset, TensorDataset

    x, y = load_cifar10_npz(npz_path if npz_path is not None else default_cifar10_npz())
    dataset: Any = TensorDataset(x, y)
    if indices is not None:
        dataset = Subset(dataset, list(indices))
    gen = torch.Generator().manual_seed(int(seed))
    return DataLoader(dataset, batch_size=int(batch_size), shuffle=shuffle, generator=gen,
                      drop_last=drop_last, num_workers=0)


def _cifar10_transforms():
    """(train_transform, valid_transform): NASLib's own ``_data_transforms_cifar10`` (no cutout), built
    with whichever torchvision ``naslib.utils.dataset`` bound (the real one or the stand-in)."""
    nd = sys.modules.get("naslib.utils.dataset")
    if nd is None or not hasattr(nd, "_data_transforms_cifar10"):
        return None, None
    return nd._data_transforms_cifar10(types.SimpleNamespace(cutout=False))


def _cfg_get(cfg: Any, name: str, default: Any = None) -> Any:
    try:
        return getattr(cfg, name)
    except AttributeError:
        try:
            return cfg[name]
        except (KeyError, TypeError):
            return default


def make_offline_get_train_val_loaders(npz_path: str | os.PathLike, original: Callable | None = None):
    """Build a drop-in for ``naslib.utils.get_train_val_loaders(config, mode="train")``.

    For ``config.dataset == "cifar10"`` it returns ``(train_queue, valid_queue, test_queue,
    train_transform, valid_transform)`` over the npz images: train/valid split the images by
    ``train_portion`` (as NASLib splits CIFAR-10's training set), test iterates all of them; batch size
    and seed are read where NASLib reads them. Other datasets are passed to ``original``.
    """
    npz_path = str(npz_path)

    def get_train_val_loaders(config, mode="train"):
        dataset = _cfg_get(config, "dataset")
        if dataset != "cifar10":
            if original is None:
                raise ValueError(f"offline loaders serve cifar10 only, not {dataset!r}")
            return original(config, mode)
        search = _cfg_get(config, "search")
        batch_size = _cfg_get(config, "batch_size", None) or _cfg_get(search, "batch_size", 64)
        train_portion = _cfg_get(config, "train_portion", None) or _cfg_get(search, "train_portion", 0.5)
        seed = _cfg_get(search, "seed", None)
        if seed is None:
            seed = _cfg_get(config, "seed", 0)
        seed = int(seed)
        x, _ = load_cifar10_npz(npz_path)
        n = int(x.shape[0])
        split = int(np.floor(float(train_portion) * n))
        train_queue = cifar10_loader(npz_path, batch_size, shuffle=True, seed=seed + 1, indices=range(split))
        valid_queue = cifar10_loader(npz_path, batch_size, shuffle=True, seed=seed, indices=range(split, n))
        test_queue = cifar10_loader(npz_path, batch_size, shuffle=False)
        train_transform, valid_transform = _cifar10_transforms()
        return train_queue, valid_queue, test_queue, train_transform, valid_transform

    setattr(get_train_val_loaders, _MARK, True)
    get_train_val_loaders.npz_path = npz_path
    get_train_val_loaders.original = original
    return get_train_val_loaders


def patch_train_val_loaders(npz_path: str | os.PathLike) -> Callable:
    """Make NASLib's ``get_train_val_loaders`` serve CIFAR-10 from ``npz_path`` (see module doc, item 4).

    Needs NASLib importable (call after the torchvision stand-in is in place). Idempotent; a second call
    with another path re-points the patch. Returns the installed function.
    """
    path = Path(npz_path)
    if not path.is_file():
        raise FileNotFoundError(f"CIFAR-10 npz not found: {path}")
    nu = importlib.import_module("naslib.utils")
    nd = importlib.import_module("naslib.utils.dataset")
    current = nd.get_train_val_loaders
    original = getattr(current, "original", None) if getattr(current, _MARK, False) else current
    new = make_offline_get_train_val_loaders(path, original)
    replaced = {id(current), id(original), id(getattr(nu, "get_train_val_loaders", None))}
    nd.get_train_val_loaders = new
    nu.get_train_val_loaders = new
    for name, mod in list(sys.modules.items()):
        if (name == "naslib" or name.startswith("naslib.")) and mod is not None:
            fn = getattr(mod, "get_train_val_loaders", None)
            if fn is not None and id(fn) in replaced:
                mod.get_train_val_loaders = new
    return new


# ----------------------------------------------------------------------------------------------
# 7./8. numpy behaviour NASLib relies on: np.array over networkx graphs, np.sum over a generator
# ----------------------------------------------------------------------------------------------
def _nx_graph_object_array(obj: Any):
    """An object array holding the networkx graphs of a (nested) list, or None when ``obj`` is not one."""
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover
        return None
    shape, cur = [], obj
    while isinstance(cur, (list, tuple)) and not isinstance(cur, nx.Graph):
        shape.append(len(cur))
        if not cur:
            return None
        cur = cur[0]
    if not shape or not isinstance(cur, nx.Graph):
        return None
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        item = obj
        for i in idx:
            item = item[i]
        out[idx] = item
    return out


def _graph_aware(make_array):
    """``np.array`` / ``np.asarray`` that turn a bare sequence of networkx graphs into a 1-d object array."""
    def wrapped(obj, *args, **kwargs):
        if not args and not kwargs:
            arr = _nx_graph_object_array(obj)
            if arr is not None:
                return arr
        return make_array(obj, *args, **kwargs)
    return wrapped


class _CompatNumpy(types.ModuleType):
    """numpy as NASLib was written against, for the global ``np`` of a few NASLib modules:

    - ``array``/``asarray`` of a (nested) list of networkx graphs build an object array instead of
      iterating into the graphs (numpy >= 1.24 raises "inhomogeneous shape" there);
    - ``sum`` of a generator is Python's ``sum`` of it, as numpy < 2.4 did (with a DeprecationWarning);
      numpy 2.4 raises TypeError.

    Every other attribute is numpy's own.
    """

    def __init__(self):
        super().__init__("numpy")
        setattr(self, _MARK, True)

    def __getattr__(self, name):
        return getattr(np, name)

    array = staticmethod(_graph_aware(np.array))
    asarray = staticmethod(_graph_aware(np.asarray))

    @staticmethod
    def sum(a, *args, **kwargs):
        if isinstance(a, types.GeneratorType):
            return sum(a)  # what numpy < 2.4 returned for a generator (axis / dtype were ignored)
        return np.sum(a, *args, **kwargs)


#: NASLib modules whose global ``np`` becomes :class:`_CompatNumpy` (see module doc, items 7 and 8).
NASLIB_NUMPY_COMPAT_MODULES = (
    "naslib.utils",  # count_parameters_in_MB: np.sum(generator)
    "naslib.predictors.gp.gpwl",  # GraphGP: np.array([...networkx graphs...])
    "naslib.predictors.gp.gpwl_utils.wl_kernel",  # WeisfeilerLehman.transform: np.sum(generator, axis=0)
)


def patch_naslib_numpy() -> list[str]:
    """Give the modules in :data:`NASLIB_NUMPY_COMPAT_MODULES` the :class:`_CompatNumpy` proxy.

    Idempotent; returns the modules that have it (a module that does not import is skipped).
    """
    done = []
    for name in NASLIB_NUMPY_COMPAT_MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(mod, "np", None) is np or getattr(getattr(mod, "np", None), _MARK, False):
            if not getattr(mod.np, _MARK, False):
                mod.np = _CompatNumpy()
            done.append(name)
    return done


# ----------------------------------------------------------------------------------------------
# all of it
# ----------------------------------------------------------------------------------------------
def _naslib_findable() -> bool:
    return importlib.util.find_spec("naslib") is not None


def apply_compat(cifar_npz: str | os.PathLike | None = None) -> dict[str, Any]:
    """Apply every fix in this module's docstring; safe to call any number of times.

    Order matters: the stdlib / scikit-learn fixes come first; then, when NASLib is importable,
    ``naslib.utils`` and ``naslib.search_spaces`` are imported (through the torchvision stand-in when
    torchvision is unusable, see :func:`import_naslib_with_standin`), after which every ``naslib.*``
    module imports normally. With ``cifar_npz`` (a path to the CIFAR-10 npz) NASLib's
    ``get_train_val_loaders`` is patched to serve cifar10 from it. Returns a dict saying what was done.
    """
    report: dict[str, Any] = {}
    report["collections_aliases"] = alias_collections_abc()
    report["sklearn_squared_shim"] = shim_sklearn_squared()
    report["inspect_getargspec"] = restore_inspect_getargspec() or getattr(
        getattr(inspect, "getargspec", None), _MARK, False)
    if _naslib_findable():
        report["torchvision"] = import_naslib_with_standin()
        report["numpy_compat_modules"] = patch_naslib_numpy()
    elif cifar_npz is not None:
        raise ImportError("apply_compat(cifar_npz=...) needs NASLib importable (scripts/setup_naslib.sh)")
    if cifar_npz is not None:
        patch_train_val_loaders(cifar_npz)
        report["offline_cifar10"] = str(cifar_npz)
    return report
