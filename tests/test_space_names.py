"""One source for space names: every list of space names is derived from the registry ``tgnas_naslib.spaces``.

A space's name is in a derived list iff the space supports what that list is for (its adapter's ``supports``), and
no module writes a list of space names by hand (so a new space is added in one place).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tgnas_naslib import spaces
from tgnas_naslib.spaces import (
    FEATURES,
    NASLIB,
    NASLIB_PREDICTOR_EVALUATION,
    NASLIB_ZC,
    SEARCH,
    SPACES,
    TABLE,
    supporting,
)

from conftest import load_naslib_module

PACKAGE = Path(spaces.__file__).resolve().parents[1]


def _optimizer_supported() -> tuple[str, ...]:
    """``naslib.optimizer.SUPPORTED`` without importing NASLib: its defining expression, evaluated."""
    tree = ast.parse((PACKAGE / "naslib" / "optimizer.py").read_text())
    for node in tree.body:
        target = getattr(node, "target", None) or (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "SUPPORTED":
            return eval(compile(ast.Expression(node.value), "optimizer.py", "eval"), vars(spaces))  # noqa: S307
    raise AssertionError("naslib/optimizer.py defines no SUPPORTED")


def _derived() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """list name -> (its names, the features a space needs to be in it)."""
    from tgnas_naslib.datasets import records
    from tgnas_naslib.search import SEARCH_SPACES
    from tgnas_naslib.spaces.tables import TABLE_SPACES

    runconfig = load_naslib_module("runconfig.py")
    adapters = load_naslib_module("adapters.py")
    return {
        "spaces.SPACES": (tuple(SPACES), ()),
        "datasets.records.SPACES": (records.SPACES, ()),
        "naslib.adapters.SUPPORTED_SPACES": (adapters.SUPPORTED_SPACES, (NASLIB,)),
        "search.SEARCH_SPACES": (SEARCH_SPACES, (SEARCH,)),
        "naslib.optimizer.SUPPORTED": (_optimizer_supported(), (NASLIB, SEARCH)),
        "naslib.runconfig.SPACES[zc]": (runconfig.SPACES["zc"], (NASLIB, NASLIB_ZC)),
        "naslib.runconfig.SPACES[predictor_evaluation]": (runconfig.SPACES["predictor_evaluation"],
                                                          (NASLIB, NASLIB_PREDICTOR_EVALUATION)),
        "naslib.runconfig.SPACES[search]": (runconfig.SPACES["search"], (NASLIB, SEARCH)),
        "spaces.tables.TABLE_SPACES": (TABLE_SPACES, (TABLE,)),
    }


@pytest.mark.parametrize("which", list(_derived()))
def test_a_space_is_in_a_list_iff_it_supports_it(which):
    names, needs = _derived()[which]
    assert len(set(names)) == len(names), f"{which} repeats a name"
    for name, space in SPACES.items():
        assert (name in names) == space.supports.issuperset(needs), (which, name, sorted(space.supports))
    assert set(names) <= set(SPACES)


def test_supports_names_only_known_features():
    for space in SPACES.values():
        assert space.supports <= set(FEATURES), space.name
    with pytest.raises(ValueError, match="unknown space feature"):
        supporting("teleport")
    assert supporting() == tuple(SPACES)


def test_runner_tables_cover_its_zc_spaces():
    """The runner's per-space data (NASLib dataset names, default ground truth) covers exactly its zc spaces."""
    runconfig = load_naslib_module("runconfig.py")
    assert set(runconfig.DATASETS) == set(runconfig.DEFAULT_BENCHMARKS) == set(runconfig.SPACES["zc"])


def _hand_written_name_lists(path: Path) -> list[str]:
    known = set(SPACES)
    found = []
    tree = ast.parse(path.read_text(), str(path))
    # ``if space in ("nasbench201", "transbench101_micro"):``: a branch for those spaces' encodings, not a list
    dispatch = {id(c) for n in ast.walk(tree) if isinstance(n, ast.Compare)
                and all(isinstance(op, (ast.In, ast.NotIn)) for op in n.ops) for c in n.comparators}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and id(node) not in dispatch:
            names = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len([n for n in names if n in known]) >= 2:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {names}")
    return found


def test_no_module_writes_a_list_of_space_names():
    """Lists of space names outside the registry are derived, never written (per-space tables keyed by name,
    e.g. a space's NASLib datasets, and branches on particular spaces' encodings are allowed)."""
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _hand_written_name_lists(path)]
    assert not found, "write the space's support in its adapter (spaces/*.py: supports) instead:\n" + "\n".join(found)
