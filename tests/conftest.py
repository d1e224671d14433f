"""Shared fixtures: the data directory (TGNAS_DATA_DIR) and a skip that names the missing file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def data_root() -> Path | None:
    """The benchmark data directory from TGNAS_DATA_DIR, or None."""
    env = os.environ.get("TGNAS_DATA_DIR")
    return Path(env) if env else None


def requires_data(relpath: str) -> Path:
    """Return the data file's path, or skip the test with a message naming the missing file."""
    root = data_root()
    if root is None:
        pytest.skip(f"needs benchmark file {relpath}: set TGNAS_DATA_DIR to the benchmark data directory")
    path = root / relpath
    if not path.is_file():
        pytest.skip(f"needs benchmark file {path} (missing)")
    return path


def requires_benchmark(name: str) -> Path:
    """Skip unless every file of the catalog benchmark ``name`` is present; return the data directory."""
    from tgnas_naslib.datasets import CATALOG

    for relpath in CATALOG[name].files:
        requires_data(relpath)
    return data_root()


NASLIB_DIR = Path(__file__).resolve().parents[1] / "tgnas_naslib" / "naslib"


def naslib_importable() -> bool:
    """True when a NASLib checkout is on sys.path (scripts/setup_naslib.sh)."""
    import importlib.util

    return importlib.util.find_spec("naslib") is not None


#: the skip reason of every test that needs NASLib (CI has none)
NEEDS_NASLIB = "NASLib is not importable (scripts/setup_naslib.sh /path/to/NASLib enables these tests)"


def load_naslib_module(filename: str):
    """Import one file of ``tgnas_naslib/naslib/`` on its own (the subpackage itself refuses to import
    without NASLib, but its pure-Python parts are testable everywhere)."""
    import importlib.util

    path = NASLIB_DIR / filename
    spec = importlib.util.spec_from_file_location(f"tgnas_naslib_{path.stem}_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_compat():
    """``tgnas_naslib.naslib.compat``: the real package when NASLib is importable, else loaded from its folder
    under another name (its modules never import NASLib at import time)."""
    import importlib
    import importlib.util
    import sys

    if naslib_importable():
        return importlib.import_module("tgnas_naslib.naslib.compat")
    name = "tgnas_naslib_compat_under_test"
    if name not in sys.modules:
        folder = NASLIB_DIR / "compat"
        spec = importlib.util.spec_from_file_location(name, folder / "__init__.py",
                                                      submodule_search_locations=[str(folder)])
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def compat_module(name: str):
    """One fix module of the compat package (see :func:`load_compat`)."""
    import importlib

    return importlib.import_module(f"{load_compat().__name__}.{name}")
