"""The universal recipe: families, the leave-family-out splitter, and the command line that trains it."""

from __future__ import annotations

import numpy as np
import pytest

from tgnas_naslib.datasets import CATALOG
from tgnas_naslib.spaces import SPACES, get_space
from tgnas_naslib.training.multisource import EXCLUDED_FOR_TARGET
from tgnas_naslib.training.universal import (
    FAMILIES,
    family_name,
    held_out_indices,
    parse_hold_out,
    pool_families,
    training_families,
)

from conftest import requires_benchmark


def test_families_cover_the_issue_grouping() -> None:
    assert set(FAMILIES) == {"nb101", "nb201", "nb301", "nbmacro"}
    nb201 = FAMILIES["nb201"]
    assert sum(b.startswith("nb201_") for b in nb201) == 3 and sum(b.startswith("tnb101_micro_") for b in nb201) == 7
    spaces = {f: {CATALOG[b].space for b in benches} for f, benches in FAMILIES.items()}
    assert spaces["nb201"] == {"nasbench201", "transbench101_micro"}
    for f, s in spaces.items():  # no space belongs to two families
        assert not any(s & other for g, other in spaces.items() if g != f)
    # the families are the ones the space adapters declare (the one place family knowledge lives)
    assert all(get_space(space).family == f for f, names in spaces.items() for space in names)


def test_every_space_declares_its_family() -> None:
    families = {name: space.family for name, space in SPACES.items()}
    assert all(families.values())
    assert families["nasbench201"] == families["transbench101_micro"] != families["transbench101_macro"]
    # the cell-graph multi-source splitter reads the same declaration: NB201 targets exclude TNB101-micro too
    assert EXCLUDED_FOR_TARGET["nasbench201"] == EXCLUDED_FOR_TARGET["transbench101_micro"] == {"nb201"}
    assert EXCLUDED_FOR_TARGET["nasbench301"] == {"nb301"}


def test_leave_out_names_and_errors() -> None:
    assert training_families("nb201") == ("nb101", "nb301", "nbmacro")
    assert training_families("transbench101_micro") == ("nb101", "nb301", "nbmacro")
    assert training_families("darts,nb101") == ("nb201", "nbmacro")
    assert training_families(None) == tuple(FAMILIES)
    assert family_name("nasbench_macro") == "nbmacro" and family_name("tnb101_micro") == "nb201"
    with pytest.raises(ValueError, match="unknown family 'transbench101_macro'"):  # a space of no labelled family
        training_families("transbench101_macro")
    with pytest.raises(ValueError, match="unknown family 'cifar'"):
        training_families("cifar")


@pytest.mark.parametrize("held_out", ["nb201", "nb301", "nb101"])
def test_splitter_never_leaks_a_held_out_family(held_out: str) -> None:
    for bench in ("nb201_cifar10_15625", "nb301_500", "nb101_500", "tnb101_micro_jigsaw_4096"):
        requires_benchmark(bench)
    families = tuple(f for f in training_families(held_out) if f != "nbmacro")  # cell graphs: fast to build
    pool = pool_families(families, representation="prune")
    held_tasks = set(FAMILIES[held_out])
    held_spaces = {CATALOG[b].space for b in held_tasks}
    assert held_out not in pool.families
    assert not held_tasks & set(pool.tasks)
    assert not held_spaces & {g.space for g in pool.graphs}
    assert not held_tasks & {s["benchmark"] for s in pool.sources}
    # every training label is the label of its own task's benchmark
    assert len(pool.y) == len(pool.graphs) == len(pool.tasks)
    quota = pool.per_task()
    assert set(quota) == set(pool.tasks)
    for family in families:  # each family contributes about the same number of samples per epoch
        total = sum(q for t, q in quota.items() if t in FAMILIES[family])
        assert 490 <= total <= 500


def test_hold_out_keeps_its_archs_and_their_graphs_out_of_training() -> None:
    from tgnas_naslib.datasets import load_benchmark
    from tgnas_naslib.spaces import to_graph

    requires_benchmark("nb101_500")
    held = held_out_indices(500, 100)
    assert held == held_out_indices(500, 100) and len(set(held)) == 100  # a fixed draw anyone can re-make
    pool = pool_families(("nb101",), representation="prune", hold_out={"nb101_500": 100})
    full = pool_families(("nb101",), representation="prune")
    bench = load_benchmark("nb101_500")
    held_graphs = {to_graph(bench.archs[i], bench.space, "prune") for i in held}
    assert not held_graphs & set(pool.graphs)
    assert set(pool.graphs) == set(full.graphs) - held_graphs
    assert pool.sources[0]["held_out"] == held
    assert "held_out" not in full.sources[0]


def test_hold_out_values_are_checked() -> None:
    assert parse_hold_out("nb101_500:100") == {"nb101_500": 100}
    assert parse_hold_out(None) == {}
    for bad, msg in (("nb101:100", "unknown benchmark 'nb101'"), ("nb101_500:0", "positive count"),
                     ("nb101_500", "BENCHMARK:COUNT")):
        with pytest.raises(ValueError, match=msg):
            parse_hold_out(bad)
    with pytest.raises(ValueError, match="cannot hold out 500 of 500"):
        held_out_indices(500, 500)
    with pytest.raises(ValueError, match="not a benchmark of the training families"):
        pool_families(("nb301",), representation="prune", hold_out={"nb101_500": 10})


@pytest.mark.parametrize("recipe,representation", [("universal", "network"), ("hier", "skeleton")])
def test_cli_trains_a_leave_family_out_model(tmp_path, capsys, recipe, representation) -> None:
    """``tgnas train --recipe R --leave-out ...`` trains the recipe it names (``hier`` trained the universal recipe
    once), on the families it says, and its card and evaluation labels say so."""
    import json

    from tgnas_naslib import TGNAS
    from tgnas_naslib.cli import main
    from tgnas_naslib.training.universal import RECIPES, SELECTION

    for bench in ("nb101_500", "nb301_500"):
        requires_benchmark(bench)
    out = tmp_path / f"{recipe}.pt"
    assert main(["train", "--recipe", recipe, "--leave-out", "nb201,nbmacro", "--epochs", "1", "--ensemble", "1",
                 "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["trained_on"] == ["nb101", "nb301"] and printed["never_trained_on"] == ["nb201", "nbmacro"]
    assert printed["recipe"] == recipe
    model = TGNAS.load(out)
    assert model.card["training_families"] == ["nb101", "nb301"] and model.card["selection"] == SELECTION[recipe]
    assert model.config.representation == representation and model.config.epochs == 1
    assert model.config.structure_penalty == RECIPES[recipe][0].structure_penalty
    assert model.evaluation("nasbench201") == "zero-shot" and model.evaluation("transbench101_micro") == "zero-shot"
    assert model.evaluation("nasbench301") == "in-family" and model.evaluation("darts") == "in-family"
    scores = model.score([(2, 2, 0, 2, 2, 2), (1, 1, 1, 1, 1, 1)], "nasbench201")
    assert np.isfinite(scores[0]) and scores[1] == float("-inf")
