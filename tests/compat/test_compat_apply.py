"""compat: the one entry point apply_compat(), and the boundary between the core package and NASLib."""

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import load_compat, naslib_importable

ROOT = Path(__file__).resolve().parents[2]


def test_apply_compat_without_or_with_naslib():
    compat = load_compat()
    report = compat.apply_compat()
    assert report["sklearn_squared_shim"] in (True, False) and report["inspect_getargspec"] is True
    assert ("offline_apis" in report) == naslib_importable()
    assert compat.apply_compat()["collections_aliases"] == []  # idempotent


def test_one_module_per_fix_each_with_evidence_and_test():
    folder = ROOT / "tgnas_naslib" / "naslib" / "compat"
    fixes = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    assert len(fixes) >= 10
    for stem in fixes:
        doc = importlib.import_module(f"{load_compat().__name__}.{stem}").__doc__ or ""
        assert "Evidence" in doc and "Fix" in doc, stem
        assert (ROOT / "tests" / "compat" / f"test_compat_{stem}.py").is_file(), stem


def test_integration_package_says_how_to_install_naslib(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a, **k: None if name == "naslib" else real_find_spec(name, *a, **k))
    for name in [n for n in sys.modules if n == "tgnas_naslib.naslib" or n.startswith("tgnas_naslib.naslib.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r"NASLib is not importable: install it with scripts/setup_naslib\.sh"):
        importlib.import_module("tgnas_naslib.naslib")


def test_core_package_imports_no_naslib_numpy_or_torch():
    """The autoload hook runs at every interpreter start: it and the package root must stay cheap."""
    code = ("import sys, tgnas_naslib, tgnas_naslib.autoload; "
            "sys.exit(','.join(m for m in ('naslib', 'numpy', 'torch') if m in sys.modules) or 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
