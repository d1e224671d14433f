"""Make a stock NASLib checkout (``Develop``, commit 0b51bc18) importable and correct on Python 3.11 with
today's numpy / scipy / scikit-learn / torch / xgboost / ngboost, without editing NASLib.

One module per fix, each with its evidence in its docstring and its own test (``tests/compat/``):

=========================  ====================================================================
module                     what it fixes
=========================  ====================================================================
``collections_abc``        ``collections.Iterable`` & co. (removed in Python 3.10): GPWL kernel
``inspect_getargspec``     ``inspect.getargspec`` (removed in Python 3.11): LCE-M predictor
``sklearn_metrics``        ``mean_squared_error(squared=False)`` (removed in scikit-learn 1.6)
``numpy_compat``           ``np.array`` over networkx graphs (numpy 1.24), ``np.sum(generator)`` (2.4)
``hashes``                 numpy-2 hashes vs NASLib's zc json keys (``plain_hash``, ``zc_key``)
``torchvision_standin``    ``import torchvision`` at NASLib import time, without torchvision
``cifar10``                ``get_train_val_loaders`` offline: CIFAR-10 images from the data directory
``xgboost_base_score``     XGBoost >= 2 estimates ``base_score``; NASLib's numbers assume 0.5
``ngboost_rng``            ngboost 0.6 seeds its base learners; NASLib's seeds drove the global RNG
``offline_apis``           ``get_dataset_api`` / ``get_zc_benchmark_api`` without NASLib's data files
``json_results``           evaluators' results with numpy float32 scalars (MLP predictors) that json refuses
``metrics_interrupt``      Ctrl-C swallowed by the metrics' bare ``except:``; no word on their quadratic time
``out_dir``                ``out_dir`` a file or read-only: a traceback from ``create_exp_dir``
``seminas_inputs``         SemiNAS / NAO sequences of numpy float32 that ``torch.LongTensor`` refuses
=========================  ====================================================================

:func:`apply_compat` is the one entry point. Nothing here imports NASLib at import time, so the helpers work
(and are tested) without a NASLib checkout. Deliberately left alone: ``naslib.utils.parse_args`` binds
``sys.argv`` at import (:func:`tgnas_naslib.naslib.exec` rebinds it for the script it runs); importing the
search spaces puts ``naslib/search_spaces/transbench101/tnb101`` first on ``sys.path``.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
from typing import Any

from ._marker import is_ours
from .cifar10 import (
    CIFAR10_MEAN,
    CIFAR10_NPZ_RELPATH,
    CIFAR10_STD,
    ImagesUnavailable,
    cifar10_loader,
    default_cifar10_npz,
    load_cifar10_npz,
    make_offline_get_train_val_loaders,
    patch_train_val_loaders,
)
from .collections_abc import alias_collections_abc
from .hashes import plain_hash, zc_key
from .inspect_getargspec import restore_inspect_getargspec
from .json_results import patch_naslib_json_results, plain_json
from .metrics_interrupt import patch_naslib_interrupts
from .ngboost_rng import patch_naslib_ngboost
from .numpy_compat import CompatNumpy, patch_naslib_numpy
from .offline_apis import patch_naslib_apis
from .out_dir import patch_naslib_out_dir
from .seminas_inputs import patch_naslib_seminas
from .sklearn_metrics import shim_sklearn_squared
from .torchvision_standin import (
    import_naslib_with_standin,
    install_torchvision_standin,
    torchvision_is_standin,
    torchvision_standin,
    uninstall_torchvision_standin,
)
from .xgboost_base_score import patch_naslib_xgboost

__all__ = [
    "CIFAR10_MEAN", "CIFAR10_NPZ_RELPATH", "CIFAR10_STD", "CompatNumpy", "ImagesUnavailable",
    "alias_collections_abc", "apply_compat", "cifar10_loader", "default_cifar10_npz", "import_naslib_with_standin",
    "install_torchvision_standin", "load_cifar10_npz", "make_offline_get_train_val_loaders", "patch_naslib_ngboost",
    "patch_naslib_apis", "patch_naslib_interrupts", "patch_naslib_json_results", "patch_naslib_numpy",
    "patch_naslib_out_dir", "patch_naslib_seminas", "patch_naslib_xgboost", "patch_train_val_loaders", "plain_hash",
    "plain_json",
    "restore_inspect_getargspec", "shim_sklearn_squared", "torchvision_is_standin", "torchvision_standin",
    "uninstall_torchvision_standin", "zc_key",
]


def naslib_findable() -> bool:
    """True when a NASLib checkout is importable (``scripts/setup_naslib.sh`` puts one on ``sys.path``)."""
    return importlib.util.find_spec("naslib") is not None


def apply_compat(cifar_npz: str | os.PathLike | None = None) -> dict[str, Any]:
    """Apply every fix of this package; safe to call any number of times. Returns what was done.

    The standard-library and scikit-learn fixes come first; then, when NASLib is importable,
    ``naslib.utils`` and ``naslib.search_spaces`` are imported (through the torchvision stand-in when needed),
    the module-level fixes go into NASLib's modules, ``get_train_val_loaders`` becomes the offline one
    (CIFAR-10 from ``cifar_npz``, by default ``images/cifar10_test_1000.npz`` in the data directory) and
    ``get_dataset_api`` / ``get_zc_benchmark_api`` fall back to the data directory.
    """
    report: dict[str, Any] = {
        "collections_aliases": alias_collections_abc(),
        "sklearn_squared_shim": shim_sklearn_squared(),
        "inspect_getargspec": restore_inspect_getargspec() or is_ours(getattr(inspect, "getargspec", None)),
    }
    if not naslib_findable():
        if cifar_npz is not None:
            raise ImportError("apply_compat(cifar_npz=...) needs NASLib importable (scripts/setup_naslib.sh)")
        return report
    report["torchvision"] = import_naslib_with_standin()
    report["numpy_compat_modules"] = patch_naslib_numpy()
    report["xgboost_base_score_modules"] = patch_naslib_xgboost()
    report["ngboost_rng_modules"] = patch_naslib_ngboost()
    report["offline_loaders"] = patch_train_val_loaders(cifar_npz).npz_path or "data directory"
    report["offline_apis"] = patch_naslib_apis()
    report["json_results"] = patch_naslib_json_results()
    report["metrics_interrupt"] = patch_naslib_interrupts()
    report["out_dir"] = patch_naslib_out_dir()
    report["seminas_inputs"] = patch_naslib_seminas()
    return report
