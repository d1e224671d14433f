"""NASLib's own test suite under the compat layer (needs a NASLib checkout with its ``tests/`` folder).

The expected failures are read from the table of ``docs/naslib_upstream.md`` (one row per NASLib test that fails
for an upstream reason), so the page and this test cannot drift apart. By default the fast part of the suite runs
(about half a minute idle); ``TGNAS_NASLIB_SUITE=full`` runs all of it (about 10 minutes idle) and checks the counts of
the page's summary table (85 collected, 67 passed, 18 failed). The suite runs with numpy's AVX-512 kernels off
(NASLib's NGBoost values were written on a CPU without them; see the page), and a failure names every installed
package whose version differs from ``scripts/naslib-constraints.txt``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import NEEDS_NASLIB, naslib_importable

pytestmark = [pytest.mark.naslib, pytest.mark.slow, pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)]

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "naslib_upstream.md"
#: the fast part: the predictor tests (where today's xgboost / ngboost / scikit-learn matter), the config
#: utilities, and one documented upstream failure, so that both outcomes are exercised
FAST = ("test_predictors.py", "test_utils.py", "test_optimizer_factory.py",
        "test_nb301_search_space.py::NasBench301SearchSpaceTest::test_forward_pass_aux_head")
#: the counts of the fast part and of the whole suite under the compat layer (docs/naslib_upstream.md)
FAST_COUNTS = {"collected": 27, "passed": 26, "failed": 1}
FULL = {"collected": 85, "passed": 67, "failed": 18}


def numpy_avx512_targets() -> list[str]:
    """numpy's AVX-512 dispatch targets (``X86_V4 AVX512_ICL ...`` in numpy 2.4, ``AVX512F ...`` before)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_dispatch__
    return [t for t in __cpu_dispatch__ if t.startswith("AVX512") or t == "X86_V4"]


def unpinned_versions() -> list[str]:
    """``name installed (pinned X)`` for each package installed at another version than the constraints file."""
    import importlib.metadata as md

    out = []
    for line in (ROOT / "scripts" / "naslib-constraints.txt").read_text().splitlines():
        name, sep, pinned = line.partition("==")
        if not sep or line.startswith("#"):
            continue
        try:
            have = md.version(name)
        except md.PackageNotFoundError:
            have = "missing"
        if have != pinned:
            out.append(f"{name} {have} (pinned {pinned})")
    return out


def documented_failures() -> set[str]:
    """NASLib test ids listed as upstream failures in docs/naslib_upstream.md."""
    return set(re.findall(r"^\| `(test_\w+\.py::\w+::\w+)` \|", PAGE.read_text(), re.M))


def naslib_tests_dir() -> Path:
    import importlib.util

    folder = Path(importlib.util.find_spec("naslib").submodule_search_locations[0]).parent / "tests"
    if not (folder / "assets").is_dir():
        pytest.skip(f"NASLib's own tests are not in the checkout ({folder})")
    return folder


def run_suite(selection: list[str], workdir: Path) -> dict[str, str]:
    """Run NASLib's tests (a copy, so nothing is written into the checkout) under the compat layer;
    returns ``{test id: outcome}`` from pytest's junit report."""
    shutil.copytree(naslib_tests_dir(), workdir / "tests")
    report = workdir / "report.xml"
    code = ("import sys, tgnas_naslib.naslib, pytest; "
            f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-W', 'ignore', '--junitxml={report}', "
            f"*{selection!r}]))")
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "NPY_DISABLE_CPU_FEATURES": " ".join(numpy_avx512_targets())}
    done = subprocess.run([sys.executable, "-c", code], cwd=workdir / "tests", capture_output=True, text=True,
                          timeout=3600, check=False, env=env)
    assert report.is_file(), done.stdout[-2000:] + done.stderr[-2000:]
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        module = case.get("classname", "").split(".")
        test_id = f"{module[-2]}.py::{module[-1]}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcomes[test_id] = ("failed" if "failure" in kinds else "error" if "error" in kinds
                             else "skipped" if "skipped" in kinds else "passed")
    return outcomes


def test_documented_failures_are_the_upstream_ones():
    failures = documented_failures()
    assert len(failures) == FULL["failed"] == 18
    assert not any("test_predictors.py" in t for t in failures)  # XGB / NGB: fixed in compat


def test_naslib_suite_under_compat(tmp_path):
    full = os.environ.get("TGNAS_NASLIB_SUITE") == "full"
    outcomes = run_suite(["."] if full else list(FAST), tmp_path)
    failed = {t for t, o in outcomes.items() if o in ("failed", "error")}
    expected = documented_failures() & set(outcomes)
    assert failed == expected, (f"unexpected: {sorted(failed - expected)}; now passing: {sorted(expected - failed)}; "
                                f"versions off the pins: {unpinned_versions() or 'none'}")
    counts = {"collected": len(outcomes), "passed": sum(o == "passed" for o in outcomes.values()),
              "failed": len(failed)}
    assert counts == (FULL if full else FAST_COUNTS)
    for fixed in ("test_XGBPredictor", "test_NGBPredictor"):  # today's xgboost / ngboost, fixed in compat
        assert outcomes[f"test_predictors.py::PredictorsTest::{fixed}"] == "passed"
