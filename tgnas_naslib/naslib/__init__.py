"""NASLib integration of TG-NAS.

Importing this package applies :func:`tgnas_naslib.naslib.compat.apply_compat` (Python 3.11 /
numpy 2 / scikit-learn >= 1.6 / torchvision fixes, see that module) and then imports NASLib, so that
``import tgnas_naslib.naslib`` followed by any ``naslib.*`` import works on a stock NASLib checkout.

NASLib is not on PyPI: put a checkout on ``sys.path`` with ``scripts/setup_naslib.sh /path/to/NASLib``.
The core package ``tgnas_naslib`` never imports NASLib; only this subpackage does.

To make NASLib's ``get_train_val_loaders`` serve CIFAR-10 offline, call
``apply_compat(cifar_npz=path)`` (or set ``TGNAS_CIFAR10_NPZ`` before importing this package).
"""

from __future__ import annotations

import importlib.util
import os

from .compat import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    apply_compat,
    cifar10_loader,
    default_cifar10_npz,
    patch_train_val_loaders,
    plain_hash,
    zc_key,
)

_INSTALL_HINT = (
    "NASLib is not importable: install it with scripts/setup_naslib.sh /path/to/NASLib [python] "
    "(a checkout of github.com/automl/NASLib, branch Develop; the script installs NASLib's runtime "
    "dependencies and puts the checkout on sys.path; `pip install -e` of NASLib refuses Python > 3.9)"
)

if importlib.util.find_spec("naslib") is None:
    raise ImportError(_INSTALL_HINT, name="naslib")

try:
    # imports naslib.utils and naslib.search_spaces (through a torchvision stand-in where needed)
    apply_compat(os.environ.get("TGNAS_CIFAR10_NPZ") or None)
    import naslib  # noqa: F401
except ImportError as exc:  # a checkout is on sys.path, but one of its dependencies is missing
    raise ImportError(f"{_INSTALL_HINT}. Importing it failed with: {exc!r}", name="naslib") from exc

__all__ = [
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "apply_compat",
    "cifar10_loader",
    "default_cifar10_npz",
    "patch_train_val_loaders",
    "plain_hash",
    "zc_key",
]
