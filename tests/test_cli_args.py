"""CLI arguments are refused or honoured, never silently changed, and the CLI's own lines read right."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from tgnas_naslib.cli import main

BEST = (2, 2, 0, 2, 2, 2)
DEAD = (1, 1, 1, 1, 1, 1)


@pytest.mark.parametrize("argv,match", [
    (["--epochs", "0"], "argument --epochs: 0 is not an integer >= 1"),
    (["--ensemble", "0"], "argument --ensemble: 0 is not an integer >= 1"),
    (["--ensemble", "-2"], "argument --ensemble: -2 is not an integer >= 1"),
    (["--cv-folds", "1"], "argument --cv-folds: 1 is not an integer >= 2 (or 0: skip CV)"),
    (["--epochs", "two"], "argument --epochs: 'two' is not an integer"),
])
def test_train_refuses_values_it_would_change(argv, match, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["train", "--out", str(tmp_path / "m.pt"), *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err
    assert not (tmp_path / "m.pt").exists()


def test_arch_listing_is_best_first_with_consecutive_ranks(capsys):
    archs = [str(DEAD), str((3, 3, 3, 3, 3, 3)), str(BEST), str((0, 0, 0, 0, 0, 0))]
    assert main(["score", "--space", "nasbench201", *sum((["--arch", a] for a in archs), [])]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4]
    assert rows[0][2] == ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
                          "nor_conv_3x3~2|")
    assert rows[-1][1] == "-inf"
    assert main(["score", "--space", "nasbench201", "--json", *sum((["--arch", a] for a in archs), [])]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["rank"] for r in doc["results"]] == [1, 2, 3, 4] and doc["results"][0]["encoding"] == list(BEST)


def test_one_architecture_is_singular(capsys):
    assert main(["score", "--space", "nasbench201", "--arch", str(BEST)]) == 0
    assert "# 1 architecture of nasbench201 scored" in capsys.readouterr().err


def test_empty_archs_file_is_an_error(tmp_path, capsys):
    empty = tmp_path / "archs.txt"
    empty.write_text("\n  \n")
    assert main(["score", "--space", "nasbench201", "--archs-file", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"tgnas score: error: --archs-file: {empty} has no architecture (no non-empty line)"


def test_bad_line_of_standard_input_reads_right(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{BEST}\nnot an arch\n"))
    assert main(["score", "--space", "nasbench201", "--archs-file", "-"]) == 2
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2 and "# 1 architecture of nasbench201 scored" in err
    assert "error: 1 line of standard input is not a nasbench201 architecture (first: line 2:" in err


def test_every_option_of_the_cli_has_help():
    import argparse

    from tgnas_naslib.cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = [f"{name} {opt}" for name, p in sub.choices.items() for a in p._actions
               for opt in a.option_strings[:1] if not a.help]
    assert missing == []


def test_module_scoring_shows_no_weight_loading_bar():
    done = subprocess.run([sys.executable, "-m", "tgnas_naslib.cli", "score", "--module",
                           "tgnas_naslib.modules.zoo:resnet18", "--checkpoint", "nb101-text"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Loading weights" not in done.stderr and "it/s]" not in done.stderr
    assert "tgnas_naslib.modules.zoo:resnet18 (ResNet" in done.stdout


def test_archs_file_that_is_not_utf8_skips_only_its_bad_lines(tmp_path, capsys):
    """A non-UTF-8 line is reported and skipped like any bad line (the whole file was refused, unnamed, before)."""
    path = tmp_path / "archs.txt"
    path.write_bytes(f"{BEST}\n".encode() + b"caf\xe9 (latin-1)\n" + f"{DEAD}\n".encode())
    assert main(["score", "--space", "nasbench201", "--archs-file", str(path)]) == 2
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3] and rows[0]["score"] is not None and rows[2]["score"] is None
    assert rows[1]["error"] == "not UTF-8 text (byte 0xe9 at column 4)"
    assert f"1 line of {path} is not a nasbench201 architecture (first: line 2: not UTF-8 text" in err


def test_top_beside_arch_lists_the_best_only(capsys):
    archs = [str(DEAD), str(BEST), str((3, 3, 3, 3, 3, 3))]
    assert main(["score", "--space", "nasbench201", "--top", "1", *sum((["--arch", a] for a in archs), [])]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert len(rows) == 1 and rows[0].split()[0] == "1"


def test_score_help_names_every_enumerable_space(capsys):
    from tgnas_naslib.spaces import SPACES

    with pytest.raises(SystemExit):
        main(["score", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    help_all = text.split("--all enumerate")[1].split("--archs-file")[0]
    for space in SPACES.values():
        if space.size() is not None:
            assert space.name in help_all, space.name
    assert "nasbench_macro" in help_all


def test_interrupted_stream_says_which_lines_are_written(tmp_path, capsys, monkeypatch):
    from tgnas_naslib import api
    from tgnas_naslib.bundle import ModelBundle

    path = tmp_path / "archs.txt"
    path.write_text("".join(f"{a}\n" for a in [BEST, DEAD, BEST, DEAD, BEST]))
    monkeypatch.setattr(api, "CHUNK", 2)
    calls = []
    real = ModelBundle.score_iter

    def score_iter(self, archs, space=None, chunk=None):
        calls.append(chunk)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, archs, space, chunk)

    monkeypatch.setattr(ModelBundle, "score_iter", score_iter)
    assert main(["score", "--space", "nasbench201", "--archs-file", str(path)]) == 130
    out, err = capsys.readouterr()
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 2]
    assert err.strip() == (f"tgnas score: interrupted; lines 1-2 of {path} were scored and written (whole JSON "
                           f"lines); resume with tail -n +3 {path} | tgnas score ... --archs-file -")
