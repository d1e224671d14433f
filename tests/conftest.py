"""Shared fixtures: the data directory (TGNAS_DATA_DIR) and a skip that names the missing file; the run ends with one
line saying how many tests were skipped for lack of benchmark data (and of NASLib) and what would run them."""

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
        pytest.skip(f"needs benchmark file {path} (missing from TGNAS_DATA_DIR={root})")
    return path


def requires_benchmark(name: str) -> Path:
    """Skip unless every file of the catalog benchmark ``name`` is present; return the data directory."""
    from tgnas_naslib.datasets import CATALOG

    for relpath in CATALOG[name].files:
        requires_data(relpath)
    return data_root()


#: how far two computations of the same scores may differ: the CPU's kernels (MKL / OpenBLAS code paths, AVX2 vs
#: AVX-512) change the last bits of a float32 matrix product with the number of rows it runs on (seen: 1e-7 relative
#: between a graph scored alone and in a batch on an AVX-512 machine), so no test asks for bit-identity
SCORE_RTOL = 1e-6
SCORE_ATOL = 1e-6


def assert_same_scores(got, reference, rtol: float = SCORE_RTOL, atol: float = SCORE_ATOL, what: str = "") -> None:
    """Scores computed another way (other chunks, threads, order, path) equal ``reference`` within ``rtol`` /
    ``atol``, with -inf exactly where the reference has it, and rank the same wherever the reference's gap between
    two scores exceeds the tolerance (so rankings, not only values, are machine-independent)."""
    import numpy as np

    got, reference = np.asarray(got, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    assert got.shape == reference.shape, (what, got.shape, reference.shape)
    finite = np.isfinite(reference)
    assert np.array_equal(np.isfinite(got), finite) and np.array_equal(got[~finite], reference[~finite]), what
    g, r = got[finite], reference[finite]
    np.testing.assert_allclose(g, r, rtol=rtol, atol=atol, err_msg=what)
    order = np.argsort(r, kind="stable")
    r, g = r[order], g[order]
    tol = atol + rtol * np.abs(r)
    # for each score, every reference score lower by more than 2 tolerances must be lower in `got` too
    below = np.searchsorted(r, r - 2 * tol, side="left")  # r[:below[j]] are clearly lower than r[j]
    running_max = np.maximum.accumulate(g)
    clearly = below > 0
    assert (running_max[below[clearly] - 1] < g[clearly]).all(), f"{what}: the ranking changed"


def _writable(folder: Path) -> bool:
    import tempfile

    try:
        fd, probe = tempfile.mkstemp(dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(probe)
    return True


@pytest.fixture
def read_only_dir(tmp_path) -> Path:
    """An existing folder this process cannot write into: a 0o555 folder, or, for root (whom permission bits do not
    stop), a folder of a read-only system tree such as /sys/fs; skips when there is none."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    if not _writable(folder):
        yield folder
        folder.chmod(0o755)
        return
    folder.chmod(0o755)
    for candidate in (Path("/sys/fs"), Path("/proc/sys")):
        if candidate.is_dir() and not _writable(candidate):
            yield candidate
            return
    pytest.skip("no read-only folder here: this process can write everywhere (root without a read-only mount)")


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


# ----------------------------------------------------------------------------------------------------------------
# the closing line: what was skipped for lack of data or NASLib, and what would run it
# ----------------------------------------------------------------------------------------------------------------
def _skip_reason(report) -> str:
    longrepr = report.longrepr
    return str(longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr)


def skipped_for_lack_of(reports) -> tuple[int, int, int]:
    """(tests skipped for lack of benchmark data, for lack of NASLib, for any other reason) among skipped reports."""
    reasons = [_skip_reason(r) for r in reports]
    data = sum(is_data_skip(r) for r in reasons)
    naslib = sum(is_naslib_skip(r) for r in reasons)
    return data, naslib, len(reasons) - data - naslib


def is_data_skip(reason: str) -> bool:
    """A skip for lack of benchmark data (every such reason names TGNAS_DATA_DIR)."""
    return "TGNAS_DATA_DIR" in reason


def is_naslib_skip(reason: str) -> bool:
    """A skip for lack of NASLib or of what scripts/setup_naslib.sh installs."""
    return not is_data_skip(reason) and ("NASLib" in reason or "setup_naslib.sh" in reason)


def _require_naslib(report):
    """With ``TGNAS_REQUIRE_NASLIB=1`` (CI's NASLib run) a test skipped for lack of NASLib fails instead."""
    if report.skipped and os.environ.get("TGNAS_REQUIRE_NASLIB") == "1" and is_naslib_skip(_skip_reason(report)):
        report.outcome = "failed"
        report.longrepr = f"skipped for lack of NASLib, but TGNAS_REQUIRE_NASLIB=1: {_skip_reason(report)}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A test's report (see :func:`_require_naslib`)."""
    return _require_naslib((yield))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """A module's collection report (a module-level NASLib skip; see :func:`_require_naslib`)."""
    return _require_naslib((yield))


def closing_line(data: int, naslib: int, other: int = 0) -> str | None:
    """The last line of a run that skipped tests for lack of data or NASLib (None when nothing was); ``other``
    skips (a CUDA-only test, an optional package) are counted there too, so its total is pytest's."""
    env = os.environ.get("TGNAS_DATA_DIR")
    fix_data = (f"TGNAS_DATA_DIR={env} lacks their files" if env else
                "set TGNAS_DATA_DIR=/path/to/benchmarks_data")
    fix_naslib = "scripts/setup_naslib.sh /path/to/NASLib"

    def tests(n: int) -> str:
        return f"{n} test{'' if n == 1 else 's'}"

    if not data and not naslib:
        return None
    if not other and not (data and naslib):
        if data:
            return f"{tests(data)} skipped for lack of benchmark data: {fix_data} to run them"
        return f"{tests(naslib)} skipped for lack of NASLib: {fix_naslib} runs them"
    causes = ([f"{data} for lack of benchmark data ({fix_data})"] if data else []) \
        + ([f"{naslib} for lack of NASLib ({fix_naslib})"] if naslib else []) \
        + ([f"{other} for another reason (pytest -rs lists every reason)"] if other else [])
    return f"{tests(data + naslib + other)} skipped: {', '.join(causes)}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session):
    """After pytest's own summary line: one line naming what lack of data / NASLib skipped."""
    result = yield
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        line = closing_line(*skipped_for_lack_of(reporter.stats.get("skipped", [])))
        if line:
            reporter.write_line(line, yellow=True, bold=True)
    return result
