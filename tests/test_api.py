"""Scoring API, checkpoints (format, checksum, embedder pairing) and training determinism."""


import numpy as np
import pytest
import torch

from tgnas_naslib import TGNAS, ArchGraph, ArchitectureError
from tgnas_naslib.api import DISCONNECTED_SCORE
from tgnas_naslib.model.checkpoint import CheckpointError, card_path
from tgnas_naslib.model.train import TrainConfig, grouped_folds, train_gcn
from tgnas_naslib.spaces import SPACES, to_graph

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.fixture(scope="module")
def shipped():
    return TGNAS.pretrained()


def _toy_data(n=40, seed=0):
    """NB201 cells labelled by their number of 3x3 convs (a learnable, known target)."""
    rng = np.random.default_rng(seed)
    space = SPACES["nasbench201"]
    archs = [space.random(rng) for _ in range(n)]
    graphs = [to_graph(a, "nasbench201") for a in archs]
    keep = [i for i, g in enumerate(graphs) if g.is_connected]
    y = np.array([sum(op == "nor_conv_3x3" for op in graphs[i].ops) for i in keep], dtype=float)
    return [graphs[i] for i in keep], y


def test_training_is_deterministic_for_a_seed():
    graphs, y = _toy_data()
    cfg = TrainConfig(epochs=3, seed=7)
    a, b = train_gcn(graphs, y, cfg), train_gcn(graphs, y, cfg)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb), ka
    c = train_gcn(graphs, y, TrainConfig(epochs=3, seed=8))
    assert not all(torch.equal(v, w) for v, w in zip(a.state_dict().values(), c.state_dict().values()))


def test_grouped_folds_keep_groups_together():
    groups = ["a", "a", "b", "c", "c", "c", "d", "e"]
    folds = grouped_folds(groups, 3, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(groups)))
    for fold in folds:
        inside = {groups[i] for i in fold}
        assert all(groups[j] not in inside for f in folds if f is not fold for j in f)


def test_shipped_model_scores_every_encoding_alike(shipped):
    g = to_graph(BEST, "nasbench201", shipped.config.representation)
    s = shipped.score([BEST, (2, 2, 0, 2, 2, 2), "(2, 2, 0, 2, 2, 2)", g], space="nasbench201")
    assert s.shape == (4,) and np.isfinite(s).all()
    assert np.ptp(s) == 0.0
    assert shipped.score_one(BEST, "nasbench201") == pytest.approx(s[0])


def test_disconnected_architecture_scores_lowest(shipped):
    s = shipped.score([(1, 1, 1, 1, 1, 1), (0, 0, 0, 0, 0, 0), BEST], space="nasbench201")
    assert s[0] == DISCONNECTED_SCORE == -np.inf
    assert np.isfinite(s[1:]).all()


def test_mixed_spaces_and_unknown_operator(shipped):
    compact = (((0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)),) * 2
    archs = [BEST, compact, (2, 3, 2, 3, 2, 3), "41414", (0, 0, 0, 0, 0, 0)]
    spaces = ["nasbench201", "nasbench301", "transbench101_micro", "transbench101_macro", "nasbench201"]
    s = shipped.score(archs, space=spaces)
    assert s.shape == (5,) and np.isfinite(s).all()
    # one mixed batch scores each architecture as scoring it alone in its own space does (the mixed batch is chunked
    # differently, so float sums may round differently: rtol 1e-6, atol 1e-9)
    alone = [shipped.score([a], space=sp)[0] for a, sp in zip(archs, spaces)]
    np.testing.assert_allclose(s, alone, rtol=1e-6, atol=1e-9)
    by_space = shipped.score([BEST, (0, 0, 0, 0, 0, 0)], space="nasbench201")
    np.testing.assert_allclose(s[[0, 4]], by_space, rtol=1e-6, atol=1e-9)
    assert len(set(np.round(s, 6))) == 5  # distinct networks: a batch that mixed up their spaces would show it
    with pytest.raises(ValueError, match="space names"):
        shipped.score([BEST, BEST], space=["nasbench201"])
    # a hand-made graph has operator names only: the text-only model scores it (unknown ops embedded from their
    # names); the default reads whole networks and says what to pass instead of scoring a cell as a network
    custom = ArchGraph(("input", "sep_conv_7x7", "mystery_op", "output"), ((0, 1), (1, 2), (2, 3)))
    assert np.isfinite(TGNAS.pretrained(name="nb101-text").score([custom])).all()
    with pytest.raises(ArchitectureError, match="this model reads .*; it got a cell .*pass the architecture itself"):
        shipped.score([custom])


def test_scores_are_batch_invariant(shipped):
    archs = list(SPACES["nasbench201"].enumerate())[:3000:7]
    full = shipped.score(archs, space="nasbench201")
    small = shipped.score(archs, space="nasbench201", batch_size=50)
    np.testing.assert_allclose(full, small, rtol=1e-5, atol=1e-5)


def test_a_cell_graph_given_to_the_network_model_is_refused(shipped):
    from tgnas_naslib.graph import ArchitectureError

    with pytest.raises(ArchitectureError, match="it got a cell"):
        shipped.score([to_graph(BEST, "nasbench201", "prune")])
    with pytest.raises(ArchitectureError, match="it got a cell"):  # score_one checks too
        shipped.score_one(to_graph(BEST, "nasbench201", "prune"))
    with pytest.raises(ArchitectureError, match="it got a cell"):  # and score_graphs
        shipped.score_graphs([to_graph(BEST, "nasbench201", "prune")])


def test_all_family_card_names_every_family_and_the_held_out_archs():
    shipped = TGNAS.pretrained("universal-all")
    card = shipped.card
    assert card["training_families"] == ["nb101", "nb201", "nb301", "nbmacro"] and card["never_trained_on"] == []
    nb101 = next(s for s in card["training_data"]["sources"] if s["benchmark"] == "nb101_500")
    assert len(nb101["held_out"]) == 100 and nb101["file"].endswith("zc_nasbench101_500.json")
    assert shipped.evaluation("nasbench201") == shipped.evaluation("transbench101_micro") == "in-family"
    assert shipped.evaluation("transbench101_macro") == "zero-shot"


def test_shipped_lfo_models_never_saw_their_family():
    spaces = {"nb101": "nasbench101", "nb201": "transbench101_micro", "nb301": "darts", "nbmacro": "nasbench_macro"}
    for family, space in spaces.items():
        lfo = TGNAS.pretrained(f"lfo-{family}")
        assert lfo.card["never_trained_on"] == [family] and lfo.evaluation(space) == "zero-shot"


def test_model_card_describes_training():
    card = TGNAS.pretrained("nb101").card
    assert card["training_data"]["file"].endswith("zc_nasbench101_500.json")
    assert len(card["training_data"]["sha256"]) == 64
    assert card["nb101_grouped_cv"]["spearman"] > 0.5
    assert "NB201" in card["selection_data"]


def test_save_load_roundtrip_and_errors(tmp_path):
    graphs, y = _toy_data()
    cfg = TrainConfig(epochs=2)
    model = TGNAS([train_gcn(graphs, y, cfg)], cfg, meta={"trained_on": {"space": "toy"}})
    path = model.save(tmp_path / "m.pt", card={"name": "toy"})
    again = TGNAS.load(path)
    np.testing.assert_allclose(model.score_graphs(graphs), again.score_graphs(graphs), rtol=1e-6)

    with pytest.raises(CheckpointError, match="not found"):
        TGNAS.load(tmp_path / "missing.pt")
    # corrupt bytes, no card: a clear "corrupt" error
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(CheckpointError, match="corrupt or not a TG-NAS checkpoint"):
        TGNAS.load(junk)
    # a valid torch file that is not ours
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(CheckpointError, match="not a TG-NAS checkpoint"):
        TGNAS.load(foreign)
    # flipped byte -> checksum mismatch against the card
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        TGNAS.load(path)


def test_wrong_embedder_is_refused(tmp_path):
    graphs, y = _toy_data()
    cfg = TrainConfig(epochs=1)
    path = TGNAS([train_gcn(graphs, y, cfg)], cfg).save(tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="embedder"):
        TGNAS.load(path, expect_embedder={"model": "all-MiniLM-L6-v2", "length": "long", "pca": None})
    # a checkpoint whose recorded embedder differs from its config (e.g. edited) is refused too
    blob = torch.load(path, weights_only=True)
    blob["meta"]["embedder"]["model"] = "some-other-sentence-model"
    torch.save(blob, path)
    card_path(path).unlink()
    with pytest.raises(CheckpointError, match="embedder"):
        TGNAS.load(path)


def test_finetune_learns_the_labels_and_returns_a_new_model():
    from scipy.stats import spearmanr

    shipped = TGNAS.pretrained("nb101")  # the toy data are cell graphs
    graphs, y = _toy_data(60, seed=1)
    tuned = shipped.finetune(graphs, y, epochs=5)
    assert tuned is not shipped and tuned.meta["finetuned_on"]["n"] == len(graphs)
    before = shipped.score_graphs(graphs)
    np.testing.assert_allclose(before, TGNAS.pretrained("nb101").score_graphs(graphs))  # original untouched
    # five epochs on the toy labels (3x3 convs per cell) rank them better: .80 -> .92 here (seeded, deterministic)
    rho_before, rho_after = spearmanr(before, y).statistic, spearmanr(tuned.score_graphs(graphs), y).statistic
    assert rho_after > rho_before + 0.05, (rho_before, rho_after)


def test_named_pretrained_models():
    """Both shipped checkpoints load, each with the embedder its card names; an unknown name is a clear error."""
    nas = TGNAS.pretrained(name="nb101-nas-embedder")
    assert nas.embedder.config["model"] == "all-MiniLM-L6-v2-nas"
    assert nas.card["embedder"] == nas.embedder.config
    assert nas.card["training_data"]["file"].endswith("zc_nasbench101_500.json")
    best = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    worst = "|avg_pool_3x3~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|avg_pool_3x3~2|"
    for model in (TGNAS.pretrained(), nas):
        good, bad = model.score([best, worst], "nasbench201")
        assert good > bad
    with pytest.raises(ValueError, match="no shipped model or checkpoint named 'nb999'"):
        TGNAS.pretrained(name="nb999")
