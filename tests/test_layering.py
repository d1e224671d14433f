"""The package's layers: imports run only downwards (or within a layer) and no import runs in a cycle.

Imports are read from the source with ``ast`` (module level and inside functions alike), so an import hidden in a
function body counts as much as one at the top of a module. ``if TYPE_CHECKING:`` blocks are not imports.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tgnas_naslib"
ROOT = "tgnas_naslib"

#: the layers, lowest first: a module may import its own layer and the layers below, never one above.
#: A name is a top-level module or subpackage of tgnas_naslib (a subpackage's modules share its layer).
LAYERS: tuple[tuple[str, ...], ...] = (
    # the ground floor: no feature package
    ("errors", "extras", "seeding", "threads", "paths", "device", "convert", "outputs", "names"),
    ("shapes", "graph", "checks"),                       # checks: the public functions' argument checks
    ("network",),
    ("embedding",),
    ("model",),                                          # the GCN, its scoring engine, training one model
    ("spaces", "baselines"),
    ("datasets", "modules"),
    ("bundle",),                                         # model bundles: members routed by design family
    ("api",),                                            # the public TGNAS object
    ("search", "training", "fusion"),                    # built on TGNAS: searchers, training recipes, the fused proxy
    ("naslib",),                                         # the NASLib plugin
    ("study",),
    ("commands",),
    ("cli", "autoload"),
)
#: what the issue names: low layers that must never reach the high ones
LOW = ("errors", "graph", "paths", "embedding", "model")
HIGH = ("api", "training", "study", "commands", "naslib")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@lru_cache(maxsize=None)
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The tgnas_naslib modules an import statement loads (``from pkg import mod`` loads pkg.mod)."""
    modules = _modules()
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name == ROOT or a.name.startswith(ROOT + ".")}
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not (target == ROOT or target.startswith(ROOT + ".")):
        return set()
    return {f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names}


@lru_cache(maxsize=None)
def _imports(module: str, module_level_only: bool) -> frozenset[str]:
    path = _modules()[module]
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and _is_type_checking(node):
                visit(node.orelse)
                continue
            if module_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if isinstance(node, ast.ClassDef):
                    visit(node.body)  # a class body runs at import time
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(_targets(module, path.name == "__init__.py", node))
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child])
                elif isinstance(child, (ast.excepthandler, ast.match_case)):
                    visit(child.body)

    visit(ast.parse(path.read_text(), str(path)).body)
    return frozenset(found - {module})


def _unit(module: str) -> str:
    """A module's top-level unit: ``tgnas_naslib.model.infer`` -> ``model``; the package itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer_of() -> dict[str, int]:
    return {unit: i for i, units in enumerate(LAYERS) for unit in units}


def test_every_unit_has_a_layer():
    units = {_unit(m) for m in _modules()} - {""}
    layered = set(_layer_of())
    assert units <= layered, f"put these in LAYERS: {sorted(units - layered)}"
    assert not layered - units, f"LAYERS names what does not exist: {sorted(layered - units)}"
    assert len(layered) == sum(len(units) for units in LAYERS), "a unit is in two layers"


def test_the_package_root_imports_nothing_eagerly():
    """``tgnas_naslib/__init__.py`` loads its public names lazily, so any module may import the root (for
    ``__version__``) without pulling in a higher layer."""
    assert not _imports(ROOT, True)


def test_imports_run_only_downwards():
    layer = _layer_of()
    upward = []
    for module in _modules():
        if module == ROOT:
            continue
        for target in _imports(module, False):
            if target == ROOT:
                continue
            if layer[_unit(target)] > layer[_unit(module)]:
                upward.append(f"{module} (layer {layer[_unit(module)]}) imports {target} "
                              f"(layer {layer[_unit(target)]})")
    assert not upward, "imports running up a layer:\n" + "\n".join(sorted(upward))


@pytest.mark.parametrize("low", LOW)
def test_low_layers_do_not_import_high_ones(low):
    reached = {_unit(t) for m in _modules() if _unit(m) == low for t in _imports(m, False)}
    assert not reached & set(HIGH), f"{low} imports {sorted(reached & set(HIGH))}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def _module_graph(module_level_only: bool) -> dict[str, set[str]]:
    """module -> the modules it imports. A module's own parent packages are left out: Python initialises them before
    the module, whichever way the module names them."""
    return {m: {t for t in _imports(m, module_level_only) if not m.startswith(t + ".") and t != ROOT}
            for m in _modules()}


def test_no_import_cycle_between_modules():
    """With the imports inside functions too: no module imports one that imports it back (a function-level import
    hides a circle from Python until the function runs, not from the design)."""
    graph = _module_graph(False)
    assert not _cycles(graph), _cycles(graph)


def test_the_cycle_finder_sees_a_circle_made_by_a_function_level_import():
    graph = _module_graph(False)
    graph["tgnas_naslib.errors"] = graph["tgnas_naslib.errors"] | {"tgnas_naslib.api"}  # as if inside a function
    assert any("tgnas_naslib.errors" in c and "tgnas_naslib.api" in c for c in _cycles(graph))


def test_no_import_cycle_between_units():
    """With the imports inside functions too: no two top-level units (modules / subpackages) import each other."""
    graph: dict[str, set[str]] = defaultdict(set)
    for module in _modules():
        for target in _imports(module, False):
            if _unit(target) and _unit(module) and _unit(target) != _unit(module):
                graph[_unit(module)].add(_unit(target))
    assert not _cycles(dict(graph)), _cycles(dict(graph))


def test_the_reader_sees_hidden_imports():
    """The reader finds imports in function bodies (the kind that hid the arrows this test guards against)."""
    assert "tgnas_naslib.device" in _imports("tgnas_naslib.api", False)
    assert "tgnas_naslib.device" not in _imports("tgnas_naslib.api", True)
    assert "tgnas_naslib.api" in _imports("tgnas_naslib.training.ensemble", True)
