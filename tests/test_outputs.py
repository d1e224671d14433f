"""Output locations are checked, and created or refused, before the work starts (one helper, ``outputs.py``, for
every command and runner), and no file is left half-written under its final name."""

from __future__ import annotations

import json

import pytest

from tgnas_naslib import outputs
from tgnas_naslib.cli import main
from tgnas_naslib.errors import TGNASError


def _one_line(capsys, *needles: str) -> str:
    """The one error line on stderr (argparse's errors come after its usage lines, as every argparse CLI's do)."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    if lines and lines[0].startswith("usage:"):
        lines = [line for line in lines if not line.startswith(("usage:", " "))]
    assert len(lines) == 1 and "Traceback" not in err, err
    err = lines[0]
    for needle in needles:
        assert needle in err, err
    return err


# --- the helper ---------------------------------------------------------------------------------------------------
def test_output_dir_creates_or_refuses(tmp_path, read_only_dir):
    made = outputs.output_dir(tmp_path / "a" / "b")
    assert made.is_dir() and list(made.iterdir()) == []  # the write probe leaves nothing behind
    afile = tmp_path / "f.txt"
    afile.write_text("keep")
    with pytest.raises(outputs.OutputError, match="--out .*f.txt is a file"):
        outputs.output_dir(afile)
    with pytest.raises(outputs.OutputError, match="cannot create this folder under .*f.txt, which is a file"):
        outputs.output_dir(afile / "sub")
    with pytest.raises(outputs.OutputError, match="cannot write into this folder"):
        outputs.output_dir(read_only_dir)
    assert afile.read_text() == "keep"


def test_output_file_creates_its_folder_or_refuses(tmp_path, read_only_dir):
    assert outputs.output_file(tmp_path / "new" / "m.pt").parent.is_dir()
    with pytest.raises(outputs.OutputError, match=r"is a folder: give the path of a file \(e.g. .*out.json\)"):
        outputs.output_file(tmp_path)
    with pytest.raises(outputs.OutputError, match="cannot write into this folder"):
        outputs.output_file(read_only_dir / "m.pt")


def test_atomic_path_leaves_the_old_file_or_none(tmp_path):
    target = tmp_path / "result.json"
    target.write_text("old, complete")
    for stop in (RuntimeError("disk full"), KeyboardInterrupt()):
        with pytest.raises(type(stop)):
            with outputs.atomic_path(target) as tmp:
                tmp.write_text("new, half")
                raise stop
        assert target.read_text() == "old, complete"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]  # no temporary file left
    outputs.write_text(target, "new")
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


# --- tgnas train ----------------------------------------------------------------------------------------------------
def test_train_refuses_a_folder_out_before_training(tmp_path, capsys, monkeypatch):
    from tgnas_naslib.training import pretrain

    monkeypatch.setattr(pretrain, "load_nb101", lambda *a, **k: pytest.fail("trained before checking --out"))
    folder = tmp_path / "models"
    folder.mkdir()
    assert main(["train", "--out", str(folder), "--epochs", "1"]) == 2
    _one_line(capsys, f"--out {folder} is a folder: give the path of a file")
    assert list(tmp_path.iterdir()) == [folder] and list(folder.iterdir()) == []  # no models.tmp left


def test_train_refuses_a_read_only_out_before_training(read_only_dir, capsys, monkeypatch):
    from tgnas_naslib.training import pretrain

    monkeypatch.setattr(pretrain, "load_nb101", lambda *a, **k: pytest.fail("trained before checking --out"))
    assert main(["train", "--out", str(read_only_dir / "m.pt"), "--epochs", "1"]) == 2
    _one_line(capsys, "cannot write into this folder")


def test_checkpoint_save_refuses_a_folder_and_leaves_no_temp_file(tmp_path):
    from tgnas_naslib import TGNAS

    model = TGNAS.pretrained("nb101-text")
    with pytest.raises(TGNASError, match="is a folder"):
        model.save(tmp_path)
    assert list(tmp_path.iterdir()) == []
    path = model.save(tmp_path / "m.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.card.json", "m.pt"]
    assert TGNAS.load(path).n_members == model.n_members


# --- tgnas study ----------------------------------------------------------------------------------------------------
@pytest.fixture
def no_benchmarks(monkeypatch):
    """The study with no benchmark chosen: its checks run without the data directory."""
    from tgnas_naslib.study import runner

    monkeypatch.setattr(runner, "select_specs", lambda benchmarks: [])


def test_study_refuses_a_read_only_out_before_the_study(read_only_dir, capsys, monkeypatch, no_benchmarks):
    from tgnas_naslib.study import runner

    monkeypatch.setattr(runner, "_run", lambda *a, **k: pytest.fail("the study ran before checking --out"))
    assert main(["study", "--out", str(read_only_dir), "--benchmarks", "nb301"]) == 2
    _one_line(capsys, f"--out {read_only_dir}: cannot write into this folder")


@pytest.mark.parametrize("argv,needle", [
    (["--seed", "-1"], "argument --seed: -1 is not a seed: give an integer from 0 to 4294967295"),
    (["--bootstrap", "-1"], "--bootstrap must be an integer from 0 to 100000, got -1"),
    (["--bootstrap", "1000000000"], "--bootstrap must be an integer from 0 to 100000, got 1000000000"),
    (["--heatmap-archs", "2"], "--heatmap-archs must be at least 3"),
    (["--timing-archs", "0"], "--timing-archs must be an integer >= 1, got 0"),
    (["--live-proxies", "-2"], "--live-proxies must be an integer >= 0, got -2"),
    (["--live-batch", "0"], "--live-batch must be an integer >= 1, got 0"),
    (["--workers", "0"], "--workers must be an integer from 1 to"),
    (["--workers", "100000"], "--workers must be an integer from 1 to"),
    (["--engine", "local", "--workers", "2"], "--ray-address / --workers need --engine ray"),
    (["--benchmarks", "nb999"], "nb999"),
    (["--fusion-cost-archs", "-1"], "--fusion-cost-archs must be an integer >= 0, got -1"),
    (["--live-names", "nwot,bogus"], "--live-names 'nwot,bogus': unknown proxy bogus"),
    (["--live-names", ","], "unknown proxy (none given)"),
])
def test_study_refuses_bad_arguments_before_creating_out(tmp_path, capsys, argv, needle):
    out = tmp_path / "study"
    try:
        rc = main(["study", "--out", str(out), *argv])
    except SystemExit as exc:  # argparse's own errors (--seed)
        rc = exc.code
    assert rc == 2
    _one_line(capsys, needle)
    assert not out.exists()


def test_study_with_an_unknown_model_is_refused_before_creating_out(tmp_path, capsys, no_benchmarks):
    out = tmp_path / "study"
    assert main(["study", "--out", str(out), "--checkpoint", "nb999"]) == 2
    _one_line(capsys, "no shipped model or checkpoint named 'nb999'")
    assert not out.exists()


def test_study_without_data_is_refused_before_creating_out(tmp_path, capsys):
    out = tmp_path / "study"
    assert main(["study", "--out", str(out), "--data-dir", str(tmp_path / "none"), "--benchmarks", "nb301"]) == 2
    _one_line(capsys, "benchmark data file not found: nasbench301/")
    assert not out.exists()


def test_run_study_is_checked_in_the_library(tmp_path, no_benchmarks):
    """A Python caller gets the same TGNASError lines as the CLI (no raw FileExistsError / numpy message)."""
    from tgnas_naslib.study import run_study

    afile = tmp_path / "f"
    afile.write_text("x")
    with pytest.raises(TGNASError, match="is a file"):
        run_study(afile, benchmarks=["nb301"])
    with pytest.raises(TGNASError, match="--seed must be an integer from 0 to"):
        run_study(tmp_path / "s", seed=-1)
    assert not (tmp_path / "s").exists()


def test_study_engine_local_needs_no_ray(tmp_path, monkeypatch):
    """Ray is needed only for live proxies on the Ray engine (and named in one line then)."""
    import importlib.util

    from tgnas_naslib.extras import MissingExtraError
    from tgnas_naslib.study import runner

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    ran = []
    monkeypatch.setattr(runner, "_run", lambda *a, **k: ran.append(a) or {})
    monkeypatch.setattr(runner, "select_specs", lambda benchmarks: [])
    runner.run_study(tmp_path / "a", live_opts=runner.LiveOptions(n=2, engine="local"))
    runner.run_study(tmp_path / "b")  # no live proxies: no Ray either
    assert len(ran) == 2
    with pytest.raises(MissingExtraError, match=r"needs ray.*'study' extra"):
        runner.run_study(tmp_path / "c", live_opts=runner.LiveOptions(n=2, engine="ray"))
    assert not (tmp_path / "c").exists()


def test_interrupted_study_says_what_resumes(tmp_path, capsys, monkeypatch):
    from tgnas_naslib.study import runner

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_run", interrupted)
    monkeypatch.setattr(runner, "select_specs", lambda benchmarks: [])
    assert main(["study", "--out", str(tmp_path / "s"), "--live-proxies", "3", "--engine", "local"]) == 130
    err = _one_line(capsys, "tgnas study: interrupted; the live proxies computed so far are cached in")
    assert "the same command resumes from them" in err
    assert main(["study", "--out", str(tmp_path / "s")]) == 130
    _one_line(capsys, "nothing to resume (no live proxies)")


# --- every command: a seed out of range names --seed ------------------------------------------------------------------
@pytest.mark.parametrize("command", [["train"], ["search"], ["study", "--out", "unused"]])
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_seed_out_of_range_names_the_option(command, seed, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main([*command, "--seed", seed])
    assert info.value.code == 2
    _one_line(capsys, f"argument --seed: {seed} is not a seed")
    assert list(tmp_path.iterdir()) == []


def test_search_library_names_the_seed():
    from tgnas_naslib import TGNAS
    from tgnas_naslib.search import search

    with pytest.raises(TGNASError, match="seed must be an integer from 0 to 4294967295, got -1"):
        search("random", TGNAS.pretrained("nb101-text"), "nasbench201", budget=5, seed=-1)


def test_summary_files_are_json(tmp_path):
    """write_text is what the study uses for summary.json / report.txt: UTF-8, whole."""
    path = outputs.write_text(tmp_path / "summary.json", json.dumps({"rho": 0.5}))
    assert json.loads(path.read_text()) == {"rho": 0.5}


# --- the embedder-tuning runner (python -m tgnas_naslib.embedding.finetune) ---------------------------------------
@pytest.mark.parametrize("argv,needle", [
    (["--out", "{file}"], "--out {file} is a file"),
    (["--out", "{new}", "--n-train", "0"], "--n-train must be an integer >= 1, got 0"),
    (["--out", "{new}", "--epochs", "-1"], "--epochs must be an integer >= 1, got -1"),
    (["--out", "{new}", "--seed", "-1"], "--seed must be an integer from 0 to"),
    (["--out", "{new}", "--options", "full", "--ship"], "--ship needs the 'projection' option"),
])
def test_embedder_tuning_checks_before_training(argv, needle, tmp_path, capsys, monkeypatch):
    from tgnas_naslib.embedding import finetune

    monkeypatch.setattr(finetune, "train_eval_pairs", lambda *a, **k: pytest.fail("trained before checking"))
    afile = tmp_path / "f.txt"
    afile.write_text("keep")
    fill = {"file": str(afile), "new": str(tmp_path / "new")}
    argv = [a.format(**fill) for a in argv]
    try:
        rc = finetune.main(argv)
    except SystemExit as exc:  # argparse's own errors
        rc = exc.code
    assert rc == 2
    _one_line(capsys, needle.format(**fill))
    assert not (tmp_path / "new").exists() and afile.read_text() == "keep"
