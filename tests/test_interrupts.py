"""Ctrl-C in any command or runner exits 130 with one line, and leaves no half-written result under its final
name; what can resume says so (the study's live cache, a streamed --archs-file: tests/test_outputs.py and
tests/test_cli_args.py)."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tgnas_naslib.cli import COMMANDS, main

from conftest import NEEDS_NASLIB, naslib_importable, requires_benchmark

ROOT = Path(__file__).resolve().parents[1]
#: the least each sub-command needs on its command line to start
ARGV = {"score": ["--space", "nasbench201", "--all"], "train": [], "study": ["--out", "unused"], "search": [],
        "data": []}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_exits_130_on_ctrl_c(command, monkeypatch, capsys, tmp_path):
    assert set(ARGV) == set(COMMANDS)  # a new command gets a line here
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(COMMANDS[command])

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "run", interrupted)
    assert main([command, *ARGV[command]]) == 130
    assert capsys.readouterr().err.strip() == f"tgnas {command}: interrupted"


@pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)
def test_project_runner_exits_130_on_ctrl_c(monkeypatch, capsys, tmp_path):
    from tgnas_naslib.naslib import run

    def interrupted(cfg):
        raise KeyboardInterrupt

    monkeypatch.setitem(run.RUNNERS, "zc", interrupted)
    config = ROOT / "configs" / "correlation_nasbench201_cifar10_tgnas.yaml"
    assert run.main(["--config", str(config), f"out_dir={tmp_path}"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"{run.PROG}: interrupted"


@pytest.mark.slow
@pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)
def test_real_ctrl_c_during_naslib_metrics_of_the_whole_space(tmp_path):
    """The issue's case: test_size=15625, SIGINT while NASLib computes its metrics (announced first): exit status
    130 and no scores.json (was: exit 0 and spearman NaN)."""
    requires_benchmark("nb201_cifar10_15625")
    config = ROOT / "configs" / "correlation_nasbench201_cifar10_tgnas.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "tgnas_naslib.naslib.run", "--config", str(config),
                             f"out_dir={tmp_path}", "test_size=15625"], cwd=tmp_path, stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore",
                                                                    "PYTHONPATH": str(ROOT)})
    lines = []
    deadline = time.time() + 240
    for line in proc.stderr:  # wait for the metrics' announcement
        lines.append(line)
        if "quadratic" in line or time.time() > deadline:
            break
    assert any("quadratic" in line and "for 15625 here" in line for line in lines), "".join(lines)[-2000:]
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=120)
    assert proc.returncode == 130, rest[-2000:]
    assert rest.strip().splitlines()[-1] == "python -m tgnas_naslib.naslib.run: interrupted"
    assert not list(tmp_path.rglob("scores.json"))
