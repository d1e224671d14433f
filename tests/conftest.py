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


def load_naslib_module(filename: str):
    """Import one file of ``tgnas_naslib/naslib/`` on its own (the subpackage itself refuses to import
    without NASLib, but its pure-Python parts are testable everywhere)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "tgnas_naslib" / "naslib" / filename
    spec = importlib.util.spec_from_file_location(f"tgnas_naslib_{path.stem}_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
