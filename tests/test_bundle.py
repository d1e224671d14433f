"""The default model is a bundle: every labelled family is scored by the member that never saw it (zero-shot), any
other space by the all-family member; ``in_family=True`` is the one way to the in-family numbers; every name loads
everywhere a model is named."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tgnas_naslib import TGNAS
from tgnas_naslib.api import DEFAULT_MODEL, PRETRAINED_MODELS
from tgnas_naslib.bundle import ModelBundle
from tgnas_naslib.model.checkpoint import CheckpointError
from tgnas_naslib.spaces import get_space

from conftest import assert_same_scores

BEST = (2, 2, 0, 2, 2, 2)
DARTS = (((0, 3), (1, 3), (0, 3), (1, 3), (1, 3), (0, 2), (0, 2), (2, 5)),
         ((0, 0), (1, 0), (2, 2), (1, 0), (0, 0), (2, 2), (2, 2), (1, 0)))
#: a space of each labelled family -> the member that must score it by default
ZERO_SHOT_MEMBER = {"nasbench101": "lfo-nb101", "nasbench201": "lfo-nb201", "transbench101_micro": "lfo-nb201",
                    "nasbench301": "lfo-nb301", "nasbench_macro": "lfo-nbmacro"}


@pytest.fixture(scope="module")
def bundle():
    return TGNAS.pretrained()


def test_every_shipped_name_loads():
    assert DEFAULT_MODEL == "universal"
    assert {"universal", "universal-all", "lfo-nb101", "lfo-nb201", "lfo-nb301", "lfo-nbmacro", "nb101",
            "nb101-text"} <= set(PRETRAINED_MODELS)
    for name in PRETRAINED_MODELS:
        model = TGNAS.pretrained(name)
        assert model.name == name and model.describe("nasbench201")["model"] == name


@pytest.mark.parametrize("space,member", sorted(ZERO_SHOT_MEMBER.items()))
def test_default_scores_each_labelled_family_with_the_member_that_never_saw_it(bundle, space, member):
    d = bundle.describe(space)
    assert (d["model"], d["member"], d["evaluation"]) == ("universal", member, "zero-shot")
    scorer = bundle.scoring_model(space)
    assert get_space(space).family not in scorer.trained_families()
    assert scorer.card["never_trained_on"] == [get_space(space).family]


@pytest.mark.parametrize("space", ["transbench101_macro", None, "custom"])
def test_other_spaces_get_the_all_family_member(bundle, space):
    d = bundle.describe(space)
    assert (d["member"], d["evaluation"]) == ("universal-all", "zero-shot")


def test_in_family_is_the_explicit_way_to_the_all_family_member():
    model = TGNAS.pretrained(in_family=True)
    for space in ZERO_SHOT_MEMBER:
        assert model.describe(space)["member"] == "universal-all" and model.evaluation(space) == "in-family"
    assert model.evaluation("transbench101_macro") == "zero-shot"
    with pytest.raises(ValueError, match="in_family chooses a member of a model bundle"):
        TGNAS.pretrained("nb101", in_family=True)


def test_bundle_scores_equal_the_member_scores(bundle):
    archs = list(get_space("nasbench201").enumerate())[::97]
    assert_same_scores(bundle.score(archs, "nasbench201"), TGNAS.pretrained("lfo-nb201").score(archs, "nasbench201"))
    assert_same_scores(bundle.score([DARTS], "darts"), TGNAS.pretrained("lfo-nb301").score([DARTS], "nasbench301"))
    in_family = TGNAS.pretrained(in_family=True).score(archs, "nasbench201")
    assert_same_scores(in_family, TGNAS.pretrained("universal-all").score(archs, "nasbench201"))
    assert not np.allclose(in_family, bundle.score(archs, "nasbench201"))


def test_mixed_spaces_route_each_architecture_to_its_member(bundle):
    tnb = (3, 3, 0, 3, 0, 3)
    mixed = bundle.score([BEST, DARTS, tnb], space=["nasbench201", "nasbench301", "transbench101_micro"])
    each = [bundle.score([BEST], "nasbench201")[0], bundle.score([DARTS], "nasbench301")[0],
            bundle.score([tnb], "transbench101_micro")[0]]
    assert_same_scores(mixed, each)
    rep = bundle.config.representation
    graphs = [get_space("nasbench201").to_graph(BEST, rep), get_space("nasbench301").to_graph(DARTS, rep)]
    assert_same_scores(bundle.score_graphs(graphs), each[:2])


def test_a_module_can_name_its_space(bundle):
    from tgnas_naslib.modules.nets import nasbench201

    net = nasbench201.nb201_network(BEST)
    assert bundle.score_module(net) == pytest.approx(TGNAS.pretrained("universal-all").score_module(net), rel=1e-6)
    assert bundle.score_module(net, space="nasbench201") == pytest.approx(bundle.score_one(BEST, "nasbench201"),
                                                                           rel=1e-6)


def test_paths_and_folders_load_like_names(tmp_path):
    model = TGNAS.pretrained(str(PRETRAINED_MODELS["lfo-nb201"]))  # a checkpoint file path
    assert model.describe("nasbench201")["evaluation"] == "zero-shot"
    bundle = TGNAS.pretrained(PRETRAINED_MODELS["universal"])  # a manifest path
    assert isinstance(bundle, ModelBundle) and bundle.describe("nasbench301")["member"] == "lfo-nb301"
    folder = tmp_path / "mine"
    folder.mkdir()
    manifest = json.loads(PRETRAINED_MODELS["universal"].read_text())
    root = PRETRAINED_MODELS["universal"].parent
    manifest["all"]["path"] = str(root / manifest["all"]["path"])
    for spec in manifest["leave_family_out"].values():
        spec["path"] = str(root / spec["path"])
    (folder / "bundle.json").write_text(json.dumps(manifest))
    assert TGNAS.pretrained(folder).describe("nasbench101")["member"] == "lfo-nb101"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CheckpointError, match="is a folder, not a checkpoint"):
        TGNAS.pretrained(empty)


def test_a_bundle_member_that_saw_its_family_is_refused(tmp_path):
    root = PRETRAINED_MODELS["universal"].parent
    manifest = {"format": "tgnas-bundle", "version": 1, "name": "wrong",
                "all": {"name": "all", "path": str(root / "tgnas_universal.pt")},
                "leave_family_out": {"nb201": {"name": "not-lfo", "path": str(root / "lfo" / "lfo_nb101.pt")}}}
    path = tmp_path / "wrong.bundle.json"
    path.write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="trained on the nb201 family, so it is not leave-family-out"):
        TGNAS.pretrained(path).score([BEST], "nasbench201")
    path.write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        TGNAS.pretrained(path)
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(CheckpointError, match="not a TG-NAS model bundle"):
        TGNAS.pretrained(path)


def test_finetune_starts_from_the_zero_shot_member(bundle):
    rng = np.random.default_rng(0)
    archs = [get_space("nasbench201").random(rng) for _ in range(40)]
    graphs = bundle.graphs(archs, "nasbench201")
    keep = [a for a, g in zip(archs, graphs) if g.is_connected]
    y = [float(sum(op == 2 for op in a)) for a in keep]
    tuned = bundle.finetune(keep, y, "nasbench201", epochs=2)
    assert tuned.meta["finetuned_from"] == "lfo-nb201" and tuned.name == "lfo-nb201+finetuned"
