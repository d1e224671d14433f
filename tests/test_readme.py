"""Every snippet of the README runs as written.

Fenced ``bash`` and ``python`` blocks are extracted and run; ``text`` blocks are output. What runs in a reduced
or substituted form, and why (so that the suite stays fast):

* ``bash setup`` blocks (pip installs, ``scripts/setup_naslib.sh``) change the environment: they are checked with
  ``bash -n``, and every script they call must exist and answer ``--help``.
* ``/path/to/benchmarks_data`` and ``/path/to/NASLib`` are placeholders: they become the test's data directory and
  the NASLib checkout; a block that needs one that is absent is skipped with the reason.
* ``tgnas ...`` lines run in-process through ``tgnas_naslib.cli.main`` (the console script's own function, without
  a 7 s interpreter start per line); ``tgnas --version`` also runs as the real console script.
* ``python -m pytest ...`` (this suite itself) is reduced to collecting one small test file
  (``tests/test_graph.py``): it shows the command and the test configuration work without running the suite
  inside itself.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import data_root, naslib_importable, requires_benchmark

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: the ground truth of the README's NASLib runner (configs/naslib_zc_tgnas.yaml: NB201 CIFAR-10, data directory)
NASLIB_RUNNER_BENCHMARK = "nb201_cifar10_15625"
FENCE = re.compile(r"^( *)```(\w+)([^\n]*)\n(.*?)^\1```", re.S | re.M)


def blocks() -> list[tuple[str, str, str]]:
    """``(language, tags, code)`` of every fenced block, in order (indented blocks of lists included)."""
    out = []
    for indent, lang, tags, body in FENCE.findall(README.read_text()):
        code = "\n".join(line[len(indent):] for line in body.splitlines())
        out.append((lang, tags.strip(), code))
    return out


def commands(code: str) -> list[str]:
    """The commands of a bash block: comments dropped, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", code)
    return [line.split("  #")[0].strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def _naslib_root() -> Path:
    import importlib.util

    return Path(importlib.util.find_spec("naslib").submodule_search_locations[0]).parent


def _substitute(cmd: str) -> str:
    if "/path/to/NASLib" in cmd:
        if not naslib_importable():
            pytest.skip("the README snippet needs NASLib (scripts/setup_naslib.sh)")
        cmd = cmd.replace("/path/to/NASLib", str(_naslib_root()))
    if "/path/to/benchmarks_data" in cmd:
        if data_root() is None:
            pytest.skip("the README snippet needs the data directory: set TGNAS_DATA_DIR")
        cmd = cmd.replace("/path/to/benchmarks_data", str(data_root()))
    return cmd


def _run_tgnas(argv: list[str], capsys) -> str:
    from tgnas_naslib.cli import main

    try:
        rc = main(argv)
    except SystemExit as exc:  # --help
        rc = exc.code
    assert rc == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _autoload_installed() -> bool:
    import site

    dirs = [*site.getsitepackages(), site.getusersitepackages()]
    return any("tgnas_naslib.autoload" in p.read_text() for d in dirs for p in Path(d).glob("*.pth")
               if p.is_file())


def run_bash_command(cmd: str, tmp_path: Path, capsys) -> str:
    """Run one README command (see the module doc for the reduced forms); returns its stdout."""
    cmd = _substitute(cmd)
    argv = shlex.split(cmd)
    if argv[:2] == ["export", argv[1]] and argv[1].startswith("TGNAS_DATA_DIR="):
        os.environ["TGNAS_DATA_DIR"] = argv[1].split("=", 1)[1]
        return ""
    if argv[0] == "tgnas":
        return _run_tgnas(argv[1:], capsys)
    cwd = tmp_path  # NASLib and the runner write run/ into the current directory: not into the repository
    if argv[:3] == ["python", "-m", "pytest"]:
        argv, cwd = [*argv, "--collect-only", "-q", "-p", "no:cacheprovider", "tests/test_graph.py"], ROOT
    elif "/naslib/runners/" in cmd:
        if not _autoload_installed():
            pytest.skip("the README runs NASLib's runner through the autoload hook, which is not installed here "
                        "(scripts/setup_naslib.sh without --no-autoload installs it)")
        requires_benchmark(NASLIB_RUNNER_BENCHMARK)
    if argv[0] == "python":
        argv[0] = sys.executable
    if not (tmp_path / "configs").exists():
        shutil.copytree(ROOT / "configs", tmp_path / "configs")
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=1200, check=False,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, f"{cmd}\n{done.stderr[-3000:]}"
    return done.stdout


def test_readme_is_a_front_door():
    text = README.read_text()
    assert len(text.splitlines()) <= 210
    for page in re.findall(r"\]\((docs/[\w.]+\.md)\)", text):
        assert (ROOT / page).is_file(), page
    kinds = [(lang, tags) for lang, tags, _ in blocks()]
    assert ("bash", "setup") in kinds and ("python", "") in kinds and ("bash", "") in kinds


def _snippet(index: int):
    """A block's test parameter: a run of one of NASLib's own runners is slow (~9 s)."""
    slow = "/path/to/NASLib/naslib/runners/" in blocks()[index][2]
    return pytest.param(index, marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("index", [_snippet(i) for i in range(len(blocks()))])
def test_readme_snippet_runs(index, tmp_path, capsys, monkeypatch):
    lang, tags, code = blocks()[index]
    monkeypatch.setenv("TGNAS_DATA_DIR", os.environ.get("TGNAS_DATA_DIR", ""))
    if lang == "text":
        pytest.skip("output, not code")
    if lang == "python":
        exec(compile(code, f"README block {index}", "exec"), {"__name__": "__readme__"})
        return
    assert lang == "bash", f"README block {index}: unknown language {lang!r}"
    if tags == "setup":  # reduced form: syntax, and every script it calls exists and answers --help
        assert subprocess.run(["bash", "-n"], input=code, text=True, check=False).returncode == 0
        for cmd in commands(code):
            if cmd.startswith("scripts/"):
                script = ROOT / shlex.split(cmd)[0]
                assert subprocess.run([str(script), "--help"], capture_output=True, check=False).returncode == 0
        return
    monkeypatch.chdir(ROOT)
    for cmd in commands(code):
        out = run_bash_command(cmd, tmp_path, capsys)
        if cmd == "tgnas --version":
            exe = shutil.which("tgnas")
            if exe:
                real = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
                assert real.returncode == 0 and real.stdout == out
