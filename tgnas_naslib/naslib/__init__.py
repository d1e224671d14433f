"""NASLib integration of TG-NAS (the core package ``tgnas_naslib`` never imports NASLib; this one does).

Importing it applies :func:`tgnas_naslib.naslib.compat.apply_compat` (Python 3.11 / numpy 2 / scikit-learn /
xgboost / ngboost fixes, a torchvision stand-in, offline data loaders and dataset / zc apis from the data
directory), imports NASLib and registers TG-NAS with it (:mod:`.registry`): the zero-cost measure ``tgnas``
(``ZeroCost("tgnas")``, NASLib's zc runner with ``predictor: tgnas``, Bananas ``zc_names: [tgnas]``),
``predictor_type: tgnas`` through :class:`TGNASEnsemble` / :class:`TGNASBananas`, and :class:`TGNASPredictor`.

NASLib is not on PyPI: ``scripts/setup_naslib.sh /path/to/NASLib`` puts a checkout on ``sys.path`` and installs
the autoload hook (:mod:`tgnas_naslib.autoload`) that imports this package whenever NASLib is imported, so
NASLib's own scripts run unchanged. Without the hook: ``python -m tgnas_naslib.naslib.exec <script> ...``.
"""

from __future__ import annotations

import importlib.util

from tgnas_naslib.extras import import_failure

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

with import_failure("naslib", _INSTALL_HINT):  # a checkout is on sys.path, but one of its dependencies is missing
    # imports naslib.utils and naslib.search_spaces (through a torchvision stand-in where needed)
    apply_compat()
    import naslib  # noqa: F401

from .adapters import arch_of, encoding_of, space_of, to_arch_graph  # noqa: E402
from .offline_api import MissingNASLibData, OfflineDatasetAPI, OfflineZcAPI  # noqa: E402
from .predictor import TGNASPredictor, configured_model, model_for, model_spec, set_model_spec  # noqa: E402
from .registry import TGNASBananas, TGNASEnsemble, register  # noqa: E402

register()

__all__ = [
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "MissingNASLibData",
    "OfflineDatasetAPI",
    "OfflineZcAPI",
    "TGNASBananas",
    "TGNASEnsemble",
    "TGNASPredictor",
    "apply_compat",
    "arch_of",
    "cifar10_loader",
    "default_cifar10_npz",
    "encoding_of",
    "patch_train_val_loaders",
    "plain_hash",
    "configured_model",
    "model_for",
    "model_spec",
    "register",
    "set_model_spec",
    "space_of",
    "to_arch_graph",
    "zc_key",
]
