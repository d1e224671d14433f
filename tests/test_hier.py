"""The hierarchical model: its guarantees hold for any weights (structure term width-invariant and non-negative per
block, size term monotone), table and object inputs score alike, training is deterministic, checkpoints round-trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tgnas_naslib import TGNAS
from tgnas_naslib.model.config import TrainConfig
from tgnas_naslib.model.hier import train_hier
from tgnas_naslib.modules.trace import module_graph
from tgnas_naslib.spaces import get_space

from conftest import assert_same_scores

CONFIG = TrainConfig(representation="skeleton", loss="rank", epochs=2, hidden=16, layers=2, batch_size=16)


def _model(seed: int = 0, config: TrainConfig = CONFIG) -> TGNAS:
    """An untrained hierarchical model with random weights and a size term switched on."""
    torch.manual_seed(seed)
    m = config.build_model(config.embedder().dim)
    with torch.no_grad():
        m.size_w.fill_(2.0)
        for p in m.block.parameters():
            p.uniform_(-1, 1)
    return TGNAS([m.eval()], config)


class _Net(nn.Module):
    """A small CIFAR net with per-layer widths."""

    def __init__(self, widths, repeats: int = 2) -> None:
        super().__init__()
        c0, *cs = widths
        self.stem = nn.Sequential(nn.Conv2d(3, c0, 3, padding=1), nn.ReLU())
        layers, c = [], c0
        for k in range(repeats):
            out = cs[k % len(cs)]
            layers.append(nn.Sequential(nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()))
            c = out
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(c, 10)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean((2, 3)))


def _skel(net):
    return module_graph(net, (1, 3, 32, 32), True, "skeleton")


@pytest.mark.parametrize("seed,variant", [(0, {}), (1, {"struct": True}), (2, {"chain": True, "block_size": True}),
                                          (3, {"block_size": True, "struct": True, "chain": True})])
def test_widening_every_layer_or_adding_a_block_never_lowers_the_score(seed, variant):
    model = _model(seed, TrainConfig.from_dict({**CONFIG.to_dict(), **variant}))
    for base in ([16, 16, 32], [8, 24, 12]):
        scores = [model.score_graphs([_skel(_Net([int(c * f) for c in base]))])[0] for f in (0.5, 1.0, 2.0, 4.0)]
        assert scores == sorted(scores), scores
        deeper = [model.score_graphs([_skel(_Net(base, repeats=r))])[0] for r in (2, 3, 4)]
        assert deeper == sorted(deeper), deeper


def test_the_structure_term_is_constant_across_widths():
    model = _model(1)
    engine = model.engine
    w = float(engine.members[0].size_weights()[0].detach())
    rng = np.random.default_rng(0)
    nets = [_Net([int(rng.choice([8, 16, 32, 64])) for _ in range(4)], repeats=3) for _ in range(12)]
    sks = [_skel(n) for n in nets]
    structure = model.score_graphs(sks) - w * np.log10([s.cost.flops for s in sks])
    assert np.ptp(structure) < 1e-4 * max(1.0, np.abs(structure).max())
    assert sum(len({b.graph.ops for b in s.blocks}) for s in sks) > 0


def test_table_and_object_inputs_score_alike():
    from tgnas_naslib.spaces.skeletons import load_skeletons

    table = load_skeletons("nasbench201")
    if table is None:
        pytest.skip("no packaged NB201 skeleton table")
    model = _model(2)
    archs = list(get_space("nasbench201").enumerate())[::211]
    from_table = model.score(archs, "nasbench201")
    fresh = [get_space("nasbench201").skeleton(a) for a in archs]
    assert all(s.source is None for s in fresh)
    assert_same_scores(from_table, model.score_graphs(fresh))
    for variant in ({"chain": True}, {"chain": True, "block_size": True, "struct": True}):
        other = _model(2, TrainConfig.from_dict({**CONFIG.to_dict(), **variant}))
        assert_same_scores(other.score(archs, "nasbench201"), other.score_graphs(fresh))


def test_training_is_deterministic_and_a_checkpoint_round_trips(tmp_path):
    space = get_space("nasbench201")
    archs = list(space.enumerate())[::97][:80]
    sks = [space.skeleton(a) for a in archs]
    keep = [i for i, s in enumerate(sks) if s.is_connected]
    y = np.array([sum(op == 2 for op in archs[i]) for i in keep], dtype=float)  # count of 3x3 convs: learnable
    a = train_hier([sks[i] for i in keep], y, CONFIG)
    b = train_hier([sks[i] for i in keep], y, CONFIG)
    for pa, pb in zip(a.state_dict().values(), b.state_dict().values()):
        assert torch.equal(pa, pb)
    model = TGNAS([a], CONFIG, meta={"trained_on": {"file": "toy", "n_archs": len(keep)}})
    path = model.save(tmp_path / "hier.pt")
    back = TGNAS.pretrained(path)
    assert back.config.hierarchical and back.module_representation == "skeleton"
    assert_same_scores(back.score(archs, "nasbench201"), model.score(archs, "nasbench201"))


def test_bounded_caches_never_mix_the_graphs_of_one_batch(monkeypatch):
    """The featurizer's and the block interner's tables are bounded; a reset must never fall inside a batch (ids of
    the batch would then point at other block graphs: wrong scores under the right labels)."""
    from tgnas_naslib import spaces
    from tgnas_naslib.model import hier
    from tgnas_naslib.network import skeleton

    rng = np.random.default_rng(0)
    darts = get_space("darts")
    archs = [darts.random(rng) for _ in range(40)]
    model = TGNAS.pretrained("lfo-nb301")
    reference = model.score_graphs([darts.skeleton(a) for a in archs], batch_size=16)  # skeleton objects
    monkeypatch.setattr(hier.Featurizer, "MAX_GRAPHS", 3)  # a reset before almost every batch
    monkeypatch.setattr(skeleton, "_MAX_INTERNED", 5)
    monkeypatch.setattr(skeleton, "_INTERNED", {})
    spaces._cached_graph.cache_clear()  # rebuild the skeletons under the small interner
    tiny = TGNAS.pretrained("lfo-nb301").score_graphs([darts.skeleton(a) for a in archs], batch_size=16)
    assert_same_scores(tiny, reference)
    assert len(skeleton._INTERNED) <= 5


def test_darts_chunk_tables_score_as_skeleton_objects_do():
    """``score`` lays DARTS genotypes out as one table per chunk (array operations); the scores equal those of the
    same skeletons built one by one and scored as objects, in any chunking."""
    darts = get_space("darts")
    rng = np.random.default_rng(3)
    archs = [darts.random(rng) for _ in range(300)]
    model = TGNAS.pretrained("lfo-nb301")
    objects = model.score_graphs([darts.skeleton(a) for a in archs])
    for batch_size in (None, 1, 7, 300):
        assert_same_scores(model.score(archs, "darts", batch_size=batch_size), objects, what=str(batch_size))


def test_table_chain_merge_equals_the_per_graph_merge():
    """The array form of the chain merge (first scoring of a packaged table) lays out exactly what collapse_chains
    gives block graph by block graph."""
    from tgnas_naslib.model.hier import _collapse_table_chains, block_inputs
    from tgnas_naslib.spaces.skeletons import load_skeletons

    table = load_skeletons("transbench101_micro")
    vocab: dict[str, int] = {}
    fast = _collapse_table_chains(table, vocab)
    text = {i: t for t, i in vocab.items()}
    graphs = [block_inputs(g.ops, g.edges, f, True, False)
              for g, f in (table.graph(k) for k in range(len(table.graph_nodes) - 1))]
    assert np.array_equal(fast["graph_nodes"], np.cumsum([0] + [len(g[0]) for g in graphs]))
    assert np.array_equal(fast["graph_edges"], np.cumsum([0] + [len(g[1]) for g in graphs]))
    assert [text[i] for i in fast["node_op"].tolist()] == [o for g in graphs for o in g[0]]
    assert np.array_equal(fast["node_feats"], np.array([f for g in graphs for f in g[2]], dtype=np.float32))
    assert fast["edge_src"].tolist() == [a for g in graphs for a, _ in g[1]]
    assert fast["edge_dst"].tolist() == [b for g in graphs for _, b in g[1]]
    assert any(", " in text[i] for i in fast["node_op"].tolist())  # chains were merged


def test_skeletons_of_one_laid_out_table_are_embedded_once_whatever_the_chunking(monkeypatch):
    """``graphs()`` of many DARTS genotypes gives rows of laid-out tables (at most LAYOUT_CHUNK archs each); scoring
    them in small chunks embeds each table's block graphs once, not once per chunk (that was quadratic)."""
    from tgnas_naslib import spaces
    from tgnas_naslib.model import hier

    monkeypatch.setattr(spaces, "LAYOUT_CHUNK", 50)
    darts = get_space("darts")
    rng = np.random.default_rng(4)
    archs = [darts.random(rng) for _ in range(120)]
    model = TGNAS.pretrained("lfo-nb301")
    sks = model.graphs(archs, "darts")
    tables = {id(s.source[0]) for s in sks}
    assert len(tables) == 3  # 50 + 50 + 20
    calls = []
    real = hier.Featurizer.table_graphs
    monkeypatch.setattr(hier.Featurizer, "table_graphs", lambda self, t, g: calls.append(id(t)) or real(self, t, g))
    chunked = model.score_graphs(sks, batch_size=8)
    assert sorted(set(calls)) == sorted(tables) and len(calls) == len(tables)
    assert_same_scores(chunked, model.score(archs, "darts"))
