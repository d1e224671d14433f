"""The data directory has one home (tgnas_naslib.paths): the explicit one, else the one set for the program or a
scope, else $TGNAS_DATA_DIR, else ./benchmarks_data; no other module keeps its own copy."""

from __future__ import annotations

import ast
from pathlib import Path

from tgnas_naslib import paths

PACKAGE = Path(paths.__file__).resolve().parent


def test_scoped_data_dir_wins_below_an_explicit_one(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path / "env"))
    assert paths.data_dir() == tmp_path / "env"
    with paths.using_data_dir(tmp_path / "scoped") as chosen:
        assert chosen == paths.data_dir() == tmp_path / "scoped"
        assert paths.data_dir_source() == "from --data-dir / data_dir"
        assert paths.data_dir(tmp_path / "explicit") == tmp_path / "explicit"
        with paths.using_data_dir(None):  # None: the usual rule inside
            assert paths.data_dir() == tmp_path / "env"
        assert paths.data_dir() == tmp_path / "scoped"
    assert paths.data_dir() == tmp_path / "env" and paths.data_dir_source() == f"from ${paths.ENV_VAR}"


def test_set_data_dir_holds_until_unset(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.ENV_VAR, raising=False)
    try:
        paths.set_data_dir(tmp_path / "script")
        assert paths.data_dir() == tmp_path / "script"
        assert f"{tmp_path / 'script'} (from --data-dir / data_dir)" in paths.missing_message("x.json")
    finally:
        paths.set_data_dir(None)
    assert paths.data_dir() == Path.cwd() / paths.DEFAULT_DIR


def test_no_module_keeps_its_own_data_directory():
    """No module-level global of another module holds a data directory (the NASLib compat layer once did)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "paths.py":
            continue
        for node in ast.parse(path.read_text()).body:
            targets = [t for n in [node] if isinstance(n, (ast.Assign, ast.AnnAssign))
                       for t in (n.targets if isinstance(n, ast.Assign) else [n.target])]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if any("DATA_DIR" in n.upper() and n.upper() != "DATA_DIR_OPTION" for n in names):
                offenders.append(f"{path.relative_to(PACKAGE)}: {names}")
    assert offenders == []
