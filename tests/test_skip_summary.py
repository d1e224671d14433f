"""A test run that skips for lack of data ends with one line naming how many tests and TGNAS_DATA_DIR."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import closing_line

ROOT = Path(__file__).resolve().parents[1]


def test_run_without_data_ends_with_the_count_and_the_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TGNAS_DATA_DIR", "TGNAS_REQUIRE_NASLIB")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_datasets.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    skipped = int(done.stdout.strip().splitlines()[-2].split(" skipped")[0].split()[-1])  # pytest's own line
    assert skipped > 0 and last == (f"{skipped} tests skipped for lack of benchmark data: "
                                    "set TGNAS_DATA_DIR=/path/to/benchmarks_data to run them")


def test_closing_line_wording(monkeypatch):
    monkeypatch.delenv("TGNAS_DATA_DIR", raising=False)
    assert closing_line(0, 0) is None and closing_line(0, 0, 2) is None
    assert closing_line(0, 3, 1) == ("4 tests skipped: 3 for lack of NASLib (scripts/setup_naslib.sh /path/to/NASLib), "
                                     "1 for another reason (pytest -rs lists every reason)")
    assert closing_line(1, 0) == ("1 test skipped for lack of benchmark data: "
                                  "set TGNAS_DATA_DIR=/path/to/benchmarks_data to run them")
    assert closing_line(0, 3) == "3 tests skipped for lack of NASLib: scripts/setup_naslib.sh /path/to/NASLib runs them"
    assert closing_line(2, 3).startswith("5 tests skipped: 2 for lack of benchmark data (set TGNAS_DATA_DIR=")
    monkeypatch.setenv("TGNAS_DATA_DIR", "/nowhere")
    assert "TGNAS_DATA_DIR=/nowhere lacks their files" in closing_line(4, 0)


def test_require_naslib_turns_a_naslib_skip_into_a_failure(tmp_path):
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (tmp_path / "test_x.py").write_text(
        "import pytest\n"
        "def test_needs_naslib():\n    pytest.skip('NASLib is not importable (scripts/setup_naslib.sh)')\n"
        "def test_needs_data():\n    pytest.skip('needs benchmark file x: set TGNAS_DATA_DIR')\n"
        "def test_needs_cuda():\n    pytest.skip('needs a CUDA device')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("TGNAS_DATA_DIR", "TGNAS_REQUIRE_NASLIB")}

    def run(extra):
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_x.py"],
                              cwd=tmp_path, env={**env, **extra}, capture_output=True, text=True, timeout=300,
                              check=False)

    plain = run({})
    last = plain.stdout.strip().splitlines()[-1]
    assert plain.returncode == 0 and "3 skipped" in plain.stdout and last.startswith(
        "3 tests skipped: 1 for lack of benchmark data (set TGNAS_DATA_DIR=/path/to/benchmarks_data), 1 for lack of "
        "NASLib") and last.endswith(", 1 for another reason (pytest -rs lists every reason)")
    strict = run({"TGNAS_REQUIRE_NASLIB": "1"})
    assert strict.returncode == 1 and "1 failed, 2 skipped" in strict.stdout
    assert "skipped for lack of NASLib, but TGNAS_REQUIRE_NASLIB=1" in strict.stdout
