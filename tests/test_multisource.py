"""Multi-source training: the leave-family-out splitter never lets a target's family into training, labels are
standardised per task, every mini-batch holds one task, and ``tgnas train --families`` states its training data."""

import json

import numpy as np
import pytest
import torch

from tgnas_naslib.cli import main
from tgnas_naslib.datasets import CATALOG
from tgnas_naslib.model.train import _batch_plan, standardise_per_task
from tgnas_naslib.training.multisource import (
    EXCLUDED_FOR_TARGET,
    FAMILIES,
    FAMILY_SPACES,
    leave_family_out,
    parse_families,
    pool_sources,
)

from conftest import requires_benchmark


def test_leave_family_out_rules():
    """One family vocabulary with the universal recipe: NB201 and TNB101-micro are one family (nb201)."""
    assert leave_family_out("nasbench201") == ("nb101", "nb301", "nbmacro")
    assert leave_family_out("transbench101_micro") == ("nb101", "nb301", "nbmacro")
    assert leave_family_out("nasbench301") == ("nb101", "nb201", "nbmacro")
    assert leave_family_out("nasbench101") == ("nb201", "nb301", "nbmacro")
    assert leave_family_out("nb201") == leave_family_out("nasbench201")  # a family, or a space of one
    for space, excluded in EXCLUDED_FOR_TARGET.items():
        kept = leave_family_out(space)
        assert not set(kept) & excluded and set(kept) | excluded == set(FAMILIES)
        assert space not in set().union(*(FAMILY_SPACES[f] for f in kept))
    with pytest.raises(ValueError, match="unknown family 'nasbench999'; choose from nb101, nb201, nb301, nbmacro"):
        leave_family_out("nasbench999")


def test_parse_families():
    assert parse_families("nb301, nb101") == ("nb101", "nb301")  # fixed order
    assert parse_families("all") == tuple(FAMILIES) == ("nb101", "nb201", "nb301", "nbmacro")
    assert parse_families("transbench101_micro,darts") == ("nb201", "nb301")
    with pytest.raises(ValueError, match="unknown family 'nb999'"):
        parse_families("nb101,nb999")


@pytest.mark.parametrize("target,bench", [("nasbench201", "nb201_cifar10_15625"),
                                          ("transbench101_micro", "tnb101_micro_jigsaw_4096"),
                                          ("nasbench301", "nb301_500")])
def test_no_target_family_architecture_in_training(target, bench):
    for fam in leave_family_out(target):
        for name in FAMILIES[fam]:
            requires_benchmark(name)
    data = requires_benchmark(bench)
    pooled = pool_sources(leave_family_out(target), data)
    forbidden = set().union(*(FAMILY_SPACES[f] for f in EXCLUDED_FOR_TARGET[target]))
    assert target in forbidden
    assert pooled.spaces and not set(pooled.spaces) & forbidden
    assert not {s["space"] for s in pooled.sources} & forbidden
    assert not {CATALOG[t].space for t in pooled.tasks} & forbidden
    assert all(g.space not in forbidden for g in pooled.graphs)
    # merging equal graphs: within a task no graph appears twice, and disconnected ones are gone
    for task in set(pooled.tasks):
        gs = [g for g, t in zip(pooled.graphs, pooled.tasks) if t == task]
        assert len(gs) == len(set(gs)) and all(g.is_connected for g in gs)


def test_labels_standardised_per_task():
    y = np.array([1.0, 2.0, 3.0, 100.0, 300.0])
    tasks = ["a", "a", "a", "b", "b"]
    z = standardise_per_task(y, tasks)
    for t in "ab":
        m = np.array(tasks) == t
        assert abs(z[m].mean()) < 1e-12 and abs(z[m].std() - 1) < 1e-12
    assert np.allclose(standardise_per_task(y, None), (y - y.mean()) / y.std())


def test_batches_hold_one_task_and_respect_the_epoch_caps():
    tasks = np.array(["a"] * 100 + ["b"] * 40 + ["c"] * 7)
    per_task = {"a": 50, "b": 40}
    plans = [_batch_plan(len(tasks), 16, torch.Generator().manual_seed(1), tasks, per_task) for _ in range(2)]
    assert plans[0] == plans[1]  # seeded
    plan = plans[0]
    for batch in plan:
        assert len(set(tasks[batch])) == 1 and len(batch) <= 16
    drawn = np.concatenate(plan)
    assert len(drawn) == len(set(drawn.tolist()))
    counts = {t: int((tasks[drawn] == t).sum()) for t in "abc"}
    assert counts == {"a": 50, "b": 40, "c": 7}  # capped, all, and uncapped
    # single task: the plain permutation the shipped model was trained with
    plain = _batch_plan(10, 4, torch.Generator().manual_seed(0), None, None)
    assert sum(plain, []) == torch.randperm(10, generator=torch.Generator().manual_seed(0)).tolist()


def test_train_sources_states_training_data(tmp_path, capsys):
    data = requires_benchmark("nb101_500")
    requires_benchmark("nb301_500")
    out = tmp_path / "ms.pt"
    assert main(["train", "--data-dir", str(data), "--families", "nb301,nb101", "--epochs", "1", "--ensemble", "1",
                 "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["trained_on"] == ["nb101", "nb301"]
    assert printed["never_trained_on"] == ["nb201", "nbmacro"]
    card = json.loads(out.with_suffix(".card.json").read_text())
    assert {s["benchmark"] for s in card["training_data"]["sources"]} == {"nb101_500", "nb301_500"}
    assert card["training_data"]["standardisation"].startswith("per benchmark task")
    from tgnas_naslib import TGNAS

    model = TGNAS.load(out)
    assert model.training_summary().startswith("nb101 + nb301 pooled")
    assert "zc_nasbench101_500.json (500 nasbench101 archs)" in TGNAS.pretrained("nb101").training_summary()
    assert np.isfinite(model.score(["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
                                    "nor_conv_3x3~1|nor_conv_3x3~2|"], "nasbench201")).all()


def test_train_sources_errors_are_one_line(capsys):
    assert main(["train", "--families", "nb101,bogus"]) == 2
    assert "unknown family 'bogus'" in capsys.readouterr().err
    assert main(["train", "--leave-out", "nasbench999"]) == 2
    assert "unknown family 'nasbench999'" in capsys.readouterr().err
    assert main(["train", "--leave-out", "nb101,nb201,nb301,nbmacro"]) == 2
    assert "leaves no family to train on" in capsys.readouterr().err


def test_train_sources_missing_data_is_one_line(capsys):
    assert main(["train", "--families", "nb101,nb301", "--data-dir", "/nonexistent/data"]) == 2
    err = capsys.readouterr().err
    assert "zc_nasbench101_500.json" in err and "Traceback" not in err


def test_one_family_mechanism_for_both_recipes(monkeypatch, capsys, tmp_path):
    """--families / --leave-out choose the families of either recipe, in one vocabulary (universal.FAMILIES); the
    older --sources / --leave-out-for (with a tnb101_micro family) are gone."""
    from tgnas_naslib.commands import train as command
    from tgnas_naslib.training import multisource, universal

    assert [w.strip(",") for w in command.FAMILY_HELP.split() if w.strip(",") in universal.FAMILIES] == \
        list(universal.FAMILIES)
    seen = {}

    class Stop(Exception):
        pass

    def fake_multisource(families, *a, **k):
        seen["nb101"] = families
        raise Stop

    def fake_universal(leave_out, *a, **k):
        seen["universal"] = leave_out
        raise Stop

    monkeypatch.setattr(multisource, "train_multisource", fake_multisource)
    monkeypatch.setattr(universal, "train_universal", fake_universal)
    for recipe in ("nb101", "universal"):
        with pytest.raises(Stop):
            main(["train", "--recipe", recipe, "--leave-out", "nasbench201", "--out", str(tmp_path / "m.pt")])
    assert seen == {"nb101": ("nb101", "nb301", "nbmacro"), "universal": ["nb201"]}
    with pytest.raises(Stop):
        main(["train", "--recipe", "universal", "--families", "nb101,nbmacro", "--out", str(tmp_path / "m.pt")])
    assert seen["universal"] == ["nb201", "nb301"]
    for old in (["--sources", "nb101"], ["--leave-out-for", "nasbench201"]):
        with pytest.raises(SystemExit):
            main(["train", *old])
    assert "unrecognized arguments" in capsys.readouterr().err
