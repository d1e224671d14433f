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
