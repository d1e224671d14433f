"""scripts/setup_naslib.sh installs NASLib's dependencies at the pinned versions (scripts/naslib-constraints.txt), or
today's latest with --no-pin and one line saying NASLib's expected values may differ. pip is stubbed: the script
runs for real against this environment's NASLib checkout (already set up, so nothing changes) and the stub records
what pip was asked to install."""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NEEDS_NASLIB, naslib_importable

pytestmark = [pytest.mark.naslib, pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)]

ROOT = Path(__file__).resolve().parents[1]
PINS = ROOT / "scripts" / "naslib-constraints.txt"


def _setup(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run setup_naslib.sh with a python whose ``-m pip`` only logs its arguments and constraint files (and that
    skips the script's closing import checks)."""
    log = tmp_path / "pip.log"
    fake = tmp_path / "python"
    fake.write_text(f"""#!/usr/bin/env bash
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
    echo "pip $*" >> {log}
    while [ $# -gt 0 ]; do [ "$1" = "-c" ] && cat "$2" >> {log}; shift; done
    exit 0
fi
[ "$1" = "-W" ] && exit 0  # the final import checks (tested where NASLib's scripts run)
exec {sys.executable} "$@"
""")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    checkout = Path(importlib.util.find_spec("naslib").submodule_search_locations[0]).parent
    done = subprocess.run(["bash", str(ROOT / "scripts" / "setup_naslib.sh"), *options, str(checkout), str(fake)],
                          capture_output=True, text=True, timeout=600, check=False,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return done, log.read_text() if log.is_file() else ""


def test_pinned_by_default(tmp_path):
    done, pip = _setup(tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    pins = [line for line in PINS.read_text().splitlines() if "==" in line and not line.startswith("#")]
    assert {"ngboost==0.6.0", "numpy==2.4.6", "scikit-learn==1.6.1", "xgboost-cpu==3.2.0"} <= set(pins)
    assert pip.count("pip -m pip install") == 2  # the naslib extra, then tensorwatch + pybnn (--no-deps)
    assert all(pip.count(p) == 2 for p in pins), "every pin reaches both pip installs"
    assert "torch==" in pip and "pinned versions:" in done.stdout and "may differ" not in done.stdout


def test_no_pin_gets_latest_and_says_so_in_one_line(tmp_path):
    done, pip = _setup(tmp_path, "--no-pin")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ngboost==" not in pip and "numpy==" not in pip and "torch==" in pip  # torch is always kept
    notes = [line for line in done.stdout.splitlines() if "may differ" in line]
    assert len(notes) == 1 and "--no-pin" in notes[0] and "docs/naslib_upstream.md" in notes[0]
