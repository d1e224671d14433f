"""NASLib integration of TG-NAS.

Importing this package applies :func:`tgnas_naslib.naslib.compat.apply_compat` (Python 3.11 /
numpy 2 / scikit-learn >= 1.6 / torchvision fixes, see that module) and then imports NASLib, so that
``import tgnas_naslib.naslib`` followed by any ``naslib.*`` import works on a stock NASLib checkout.

NASLib is not on PyPI: put a checkout on ``sys.path`` with ``scripts/setup_naslib.sh /path/to/NASLib``.
The core package ``tgnas_naslib`` never imports NASLib; only this subpackage does.

Importing it also registers TG-NAS with NASLib (:mod:`.registry`): the zero-cost measure ``tgnas``
(``ZeroCost("tgnas")``, Bananas ``zc_names: [tgnas]``), ``predictor_type: tgnas`` through
:class:`TGNASEnsemble` / :class:`TGNASBananas`, and :class:`TGNASPredictor` for ``PredictorEvaluator``.
The evolution optimizer is :class:`tgnas_naslib.naslib.optimizer.TGNASEvolution`; the experiment runner
is ``python -m tgnas_naslib.naslib.run --config configs/<file>.yaml``.

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

# registers the zero-cost measure ``tgnas`` (ZeroCost("tgnas"), Bananas zc_names: [tgnas]); idempotent
from .adapters import arch_of, encoding_of, space_of, to_arch_graph  # noqa: E402
from .predictor import TGNASPredictor, pretrained_model  # noqa: E402
from .registry import TGNASBananas, TGNASEnsemble, register  # noqa: E402

register()

__all__ = [
    "TGNASBananas",
    "TGNASEnsemble",
    "TGNASPredictor",
    "arch_of",
    "encoding_of",
    "pretrained_model",
    "register",
    "space_of",
    "to_arch_graph",
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "apply_compat",
    "cifar10_loader",
    "default_cifar10_npz",
    "patch_train_val_loaders",
    "plain_hash",
    "zc_key",
]
