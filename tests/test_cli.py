"""The ``tgnas`` command line: scoring output, JSON, errors as one clear line, and training."""

import json

import pytest

from tgnas_naslib.cli import main

from conftest import requires_data

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_score_archs_table(capsys):
    assert main(["score", "--space", "nasbench201", "--arch", BEST, "--arch", "(1, 1, 1, 1, 1, 1)"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["rank", "score", "arch"]
    assert BEST in out[1] and "-inf" in out[2]


def test_score_all_top_json(capsys):
    assert main(["score", "--space", "transbench101_micro", "--all", "--top", "5", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_scored"] == 4096 and len(doc["results"]) == 5
    scores = [r["score"] for r in doc["results"]]
    assert scores == sorted(scores, reverse=True)
    assert [r["rank"] for r in doc["results"]] == [1, 2, 3, 4, 5]
    # the default bundle scores TNB101-micro with the member that never saw the NB201 cell family, and says so
    assert (doc["model"], doc["member"], doc["evaluation"]) == ("universal", "lfo-nb201", "zero-shot")
    assert "nasbench201" not in doc["trained_on"] and "held_out" not in json.dumps(doc)


def test_score_all_lists_everything(capsys):
    assert main(["score", "--space", "transbench101_macro", "--all", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["results"]) == 3256


@pytest.mark.parametrize("argv,match", [
    (["score", "--space", "nasbench201", "--arch", "|nor_conv_3x3~0|+|x~0|"], "malformed NAS-Bench-201 string"),
    (["score", "--space", "nasbench201", "--arch", "(1, 2, 3)"], "6 entries"),
    (["score", "--space", "nasbench201", "--arch", "(0, 0, 0, 0, 0, 9)"], "outside the valid op indices"),
    (["score", "--space", "nasbench999", "--all"], "unknown search space"),
    (["score", "--space", "nasbench301", "--all"], "not enumerable"),
    (["score", "--space", "nasbench201"], "either --arch"),
    (["score", "--space", "nasbench201", "--arch", BEST, "--checkpoint", "/nonexistent/model.pt"],
     "no shipped model or checkpoint named '/nonexistent/model.pt'"),
    (["train", "--data-dir", "/nonexistent/data"], "zc_nasbench101_500.json"),
    (["train", "--embedder", "bert"], "unknown --embedder"),
])
def test_errors_are_one_clear_line(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err


def test_train_is_deterministic(tmp_path, capsys):
    root = requires_data("nasbench101/zc_nasbench101_500.json").parent.parent
    outs = []
    for run in ("a", "b"):
        out = tmp_path / run / "model.pt"
        argv = ["train", "--data-dir", str(root), "--out", str(out), "--epochs", "2", "--ensemble", "1",
                "--cv-folds", "0", "--seed", "3"]
        assert main(argv) == 0
        outs.append(json.loads((tmp_path / run / "model.card.json").read_text()))
    assert outs[0]["sha256"] == outs[1]["sha256"]  # byte-identical checkpoints
    assert outs[0]["training_data"]["n_archs"] == 500


def test_score_with_a_named_shipped_model(capsys):
    assert main(["score", "--space", "nasbench201", "--arch", BEST, "--checkpoint", "nb101-nas-embedder",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["results"][0]["arch"] == BEST and doc["results"][0]["score"] > -1e8


def test_version_is_fast_and_imports_no_torch():
    import subprocess
    import sys

    code = ("import sys; from tgnas_naslib.cli import main; rc = main(['--version']); "
            "sys.exit(rc or ('torch' in sys.modules or 'numpy' in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("tgnas 0.") and "Python" in done.stdout


@pytest.mark.parametrize("argv", [["--help"], ["score", "--help"], ["study", "--help"], ["search", "--help"]])
def test_help_imports_no_torch(argv):
    """Help texts name the shipped models without loading them: ``tgnas --help`` must not import torch."""
    import subprocess
    import sys

    code = ("import sys\nfrom tgnas_naslib.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "sys.exit(3 if 'torch' in sys.modules else 0)" % argv)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "usage: tgnas" in done.stdout


def test_unavailable_device_is_one_line(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is available here")
    assert main(["score", "--space", "nasbench201", "--arch", BEST, "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert "--device cuda: no CUDA device is available" in err and len(err.strip().splitlines()) == 1
    assert main(["search", "--space", "nasbench201", "--device", "cuda:x"]) == 2
    assert "is not a torch device" in capsys.readouterr().err


def test_missing_data_names_the_directory_and_the_rule(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TGNAS_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--out", str(tmp_path / "m.pt")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'benchmarks_data'} (the default ./benchmarks_data" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["train", "--data-dir", str(tmp_path / "d"), "--out", str(tmp_path / "m.pt")]) == 2
    assert f"{tmp_path / 'd'} (from --data-dir" in capsys.readouterr().err


def test_benchmark_script_that_measured_nothing_fails(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "experiments" / "zero_shot.py"
    done = subprocess.run([sys.executable, str(script), "--data-dir", str(tmp_path), "--out", str(tmp_path / "r.json")],
                          capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 1 and "measured nothing" in done.stderr and str(tmp_path) in done.stderr
    assert not (tmp_path / "r.json").exists()
