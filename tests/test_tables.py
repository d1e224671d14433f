"""Packaged network-graph tables and the fast scoring path: the same graphs as the builder, the same scores as the
slow reference path within conftest.SCORE_RTOL and in the same order (``python -m tgnas_naslib.spaces.tables
--check`` compares every graph)."""

from __future__ import annotations

import pickle
import random
import warnings
from itertools import chain

import numpy as np
import pytest
import torch

from tgnas_naslib.api import TGNAS
from tgnas_naslib.graph import ArchGraph
from tgnas_naslib.model import infer
from tgnas_naslib.model.config import TrainConfig
from tgnas_naslib.model.featurize import graph_matrix, node_weights, shape_matrix, weighted_depth
from tgnas_naslib.shapes import NETWORK, RAW, feature_columns, network_features
from tgnas_naslib.spaces import get_space, tables, to_graph, to_graphs
from tgnas_naslib.spaces.tables import TABLE_SPACES, load_table, same_graph

from conftest import assert_same_scores

SPACE = "nasbench201"


def _fresh(arch: tuple[int, ...], space_name: str = SPACE) -> ArchGraph:
    """The reference: the graph built layer by layer (no table)."""
    space = get_space(space_name)
    return space.build_network(arch, space.datasets[0]).graph()


def _sample(space: str, n: int, seed: int = 0) -> list[int]:
    """``n`` random rows of a space's table, its probes and a few graphs without shapes (disconnected)."""
    t = load_table(space)
    bare = np.flatnonzero(~t.graph_shaped[t.arch_graph])[:3].tolist()
    return sorted(set(random.Random(seed).sample(range(t.count), n)) | set(t.probes.tolist()) | set(bare))


@pytest.fixture(scope="module")
def table():
    t = load_table(SPACE)
    assert t is not None, "the packaged NB201 table is missing or stale: python -m tgnas_naslib.spaces.tables --build"
    return t


@pytest.fixture(scope="module")
def sample_rows(table) -> list[int]:
    return _sample(SPACE, 60)


@pytest.fixture(scope="module")
def model() -> TGNAS:
    """An untrained network-representation ensemble with non-trivial statistics (random weights compare paths)."""
    cfg = TrainConfig(representation="network", loss="rank", shape_features="network", readout="mean+isum")
    torch.manual_seed(0)
    space = get_space(SPACE)
    graphs = [_fresh(space.random(np.random.default_rng(i))) for i in range(24)]
    graphs = [g for g in graphs if g.is_connected]
    members = []
    for _ in range(3):
        m = cfg.build_model(cfg.embedder().dim)
        m.set_shape_stats(torch.from_numpy(shape_matrix(graphs, cfg.node_features)))
        m.set_size_stats(torch.from_numpy(graph_matrix(graphs, cfg.graph_features)))
        for norm in m.norms:
            norm.module.running_mean.uniform_(-0.5, 0.5)
            norm.module.running_var.uniform_(0.5, 2.0)
        m.size_head.weight.data.uniform_(-1, 1)
        members.append(m)
    return TGNAS(members, cfg)


def test_every_table_space_has_a_fresh_table():
    for space in TABLE_SPACES:
        t = load_table(space)
        assert t is not None and t.count == get_space(space).size()
        assert tables._digest(get_space(space).enumerate()) == t.digest, f"{space}: enumeration changed, rebuild"


@pytest.mark.parametrize("space", TABLE_SPACES)
def test_table_graphs_equal_fresh_builds(space):
    table = load_table(space)
    archs = list(get_space(space).enumerate())
    for r in _sample(space, 40):
        got, fresh = table.graph_at_row(r), _fresh(archs[r], space)
        assert same_graph(got, fresh), archs[r]
        assert got == fresh and got.is_connected == fresh.is_connected
        assert weighted_depth(got) == table.graph_depth[got._source[1]]
        assert to_graph(archs[r], space, "network") is got


def test_network_graph_reads_the_table_and_equal_graphs_are_one_object(table):
    space = get_space(SPACE)
    arch = (2, 2, 0, 2, 2, 2)
    assert space.network_graph(arch) is table.graph(arch)
    assert to_graph(arch, SPACE, "network") is table.graph(arch)
    # a dead edge holding `none` or a skip: the same network (both cost nothing), so one graph object
    a, b = (1, 2, 2, 2, 0, 2), (1, 2, 2, 2, 1, 2)
    if _fresh(a) == _fresh(b):
        assert to_graph(a, SPACE, "network") is to_graph(b, SPACE, "network")
    # other datasets are built, not read
    other = space.network_graph(arch, "cifar100")
    assert other._source is None and same_graph(other, space.build_network(arch, "cifar100").graph())


def test_to_graphs_equals_to_graph():
    archs = [(2, 2, 0, 2, 2, 2), "|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
             [4, 0, 3, 1, 4, 3]]
    for rep in ("network", "prune"):
        assert to_graphs(archs, SPACE, rep) == [to_graph(a, SPACE, rep) for a in archs]


def test_a_stale_table_is_ignored_with_a_warning(tmp_path, monkeypatch):
    with np.load(tables.table_path(SPACE)) as f:
        data = {k: f[k] for k in f.files}
    data["costs"] = data["costs"] * 2  # as if the cost rules had changed since the table was written
    np.savez_compressed(tmp_path / f"{SPACE}_network.npz", **data)
    monkeypatch.setattr(tables, "TABLE_DIR", tmp_path)
    load_table.cache_clear()
    try:
        with pytest.warns(UserWarning, match="no longer matches"):
            assert load_table(SPACE) is None
        graph = get_space(SPACE).network_graph((2, 2, 0, 2, 2, 2))
        assert graph._source is None and same_graph(graph, _fresh((2, 2, 0, 2, 2, 2)))
    finally:
        monkeypatch.undo()
        load_table.cache_clear()
    assert load_table(SPACE) is not None


def test_table_graphs_pickle_without_the_table(table):
    g = table.graph((2, 2, 0, 2, 2, 2))
    blob = pickle.dumps(g)
    assert len(blob) < 20_000  # the table travels by name, not with its arrays
    back = pickle.loads(blob)
    assert same_graph(back, g) and back._source[0] is load_table(SPACE)


def test_fast_scores_equal_the_reference_path(model, table, sample_rows):
    """Table graphs scored the fast way (table arrays, pieces grouped by cost, first layer once per class) equal the
    same architectures' freshly built graphs scored the slow way (per-node features, every node, one batch)."""
    archs = list(get_space(SPACE).enumerate())
    rows = sample_rows + list(range(0, table.count, 97))
    fresh = [_fresh(archs[r]) for r in rows]
    live = [g for g in fresh if g.is_connected]
    reference = model.engine.score_reference(live)
    got = model.score([archs[r] for r in rows], space=SPACE)
    assert_same_scores(got[[g.is_connected for g in fresh]], reference)
    assert np.isneginf(got[[not g.is_connected for g in fresh]]).all()
    # and whatever the piece size (one graph per piece, a few, all at once)
    graphs = [table.graph_at_row(r) for r in rows]
    graphs = [g for g in graphs if g.is_connected]
    for piece in (1, 300, 10**6):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(infer, "PIECE_NODES", piece)
            assert_same_scores(model.engine.score(graphs), reference, what=f"piece {piece}")


@pytest.mark.parametrize("space", [s for s in TABLE_SPACES if s != SPACE])
def test_fast_scores_equal_the_reference_path_in_every_table_space(model, space):
    archs = list(get_space(space).enumerate())
    rows = _sample(space, 150, seed=1)
    fresh = [_fresh(archs[r], space) for r in rows]
    live = [g for g in fresh if g.is_connected]
    got = model.score([archs[r] for r in rows], space=space)
    assert_same_scores(got[[g.is_connected for g in fresh]], model.engine.score_reference(live), what=space)


def test_first_layer_classes_are_checked_not_trusted(model, table, monkeypatch):
    graphs = [g for g in table.graphs()[:600] if g.is_connected]
    reference = model.engine.score(graphs)
    # a hash that maps every row to one value: the check rejects the classes and every node is computed
    monkeypatch.setattr(infer, "_MIX", (np.uint64(0), np.uint64(0), np.uint64(0)))
    calls = []
    real = infer._first_layer_classes
    monkeypatch.setattr(infer, "_first_layer_classes", lambda *a: calls.append(real(*a)) or calls[-1])
    assert_same_scores(model.engine.score(graphs), reference)
    assert calls and all(c is None for c in calls)


def test_first_layer_classes_group_equal_rows():
    # nodes 0-1-2 and 3-4-5: two identical chains, input classes by position
    edges = np.array([[0, 1, 3, 4], [1, 2, 4, 5]])
    crow, col, weight = infer.propagation_arrays(edges, 6, True, dag=True)
    first, c1 = infer._first_layer_classes(np.array([0, 1, 2, 0, 1, 2]), crow, col, weight, 6)
    assert c1.tolist()[:3] == c1.tolist()[3:] and len(first) == 3
    assert infer._first_layer_classes(np.arange(6), crow, col, weight, 6) is None  # nothing repeats


def _mixed_graphs() -> list[ArchGraph]:
    rng = np.random.default_rng(3)
    out = [_fresh(get_space(SPACE).random(rng)) for _ in range(20)]
    out += [to_graph(get_space(s).random(rng), s) for s in ("nasbench301", "transbench101_macro") for _ in range(20)]
    return out


def test_featurisation_equals_the_per_node_reference():
    """shape_matrix / graph_matrix / node_weights equal their per-node originals exactly."""
    graphs = [g for g in _mixed_graphs() if g.has_shapes]
    names = ("log2_c_in", "log10_flops_share", "log2_instances", "log2_downsampling", "depthwise", "log10_net_params")
    raw = [s.raw for g in graphs for s in g.shapes]
    net = list(chain.from_iterable([(g.cost.flops, g.cost.params, g.shapes[0].h_in)] * g.num_nodes for g in graphs))
    expected = feature_columns(np.asarray(raw, dtype=np.float64), np.asarray(net, dtype=np.float64), names)
    assert np.array_equal(shape_matrix(graphs, names), expected)
    rows = []
    for g in graphs:
        values = dict(zip(NETWORK, network_features(g.cost)))
        values["log2_depth"] = float(np.log2(max(weighted_depth(g), 1.0)))
        rows.append(tuple(values[n] for n in ("log2_depth", "log10_net_flops")))
    assert np.array_equal(graph_matrix(graphs, ("log2_depth", "log10_net_flops")), np.asarray(rows, np.float32))
    assert np.array_equal(node_weights(graphs), np.asarray([s.instances for g in graphs for s in g.shapes], np.float32))
    assert np.array_equal(node_weights(graphs + [graphs[0].without_shapes()]),
                          np.ones(sum(g.num_nodes for g in graphs) + graphs[0].num_nodes, np.float32))
    assert len(RAW) == 9


def test_table_arrays_equal_the_graph_objects(table, sample_rows):
    gids = np.array(sorted({int(table.arch_graph[r]) for r in sample_rows if table.graph_shaped[table.arch_graph[r]]}))
    graphs = [table.graph_by_id(int(g)) for g in gids]
    names = ("log2_channel_ratio", "log10_flops_share", "log2_instances", "log2_downsampling")
    arrays = table.batch(gids)
    assert [table.ops[i] for i in arrays["op"].tolist()] == [op for g in graphs for op in g.ops]
    net = table.network_rows(gids)[arrays["graph"]]
    assert np.array_equal(feature_columns(table.shape_rows[arrays["shape"]], net, names), shape_matrix(graphs, names))
    assert np.array_equal(table.shape_instances[arrays["shape"]], node_weights(graphs))
    assert np.array_equal(table.graph_features(gids, ("log10_net_flops", "log2_depth")),
                          graph_matrix(graphs, ("log10_net_flops", "log2_depth")))
    starts = np.cumsum(arrays["sizes"]) - arrays["sizes"]
    edges = [tuple(e) for e in (arrays["edges"] - np.repeat(starts, [len(g.edges) for g in graphs])).T.tolist()]
    assert edges == [e for g in graphs for e in g.edges]
    # equal keys: equal features (the first layer's input rows)
    feats = shape_matrix(graphs, names)
    _, first, inverse = np.unique(arrays["key"], return_index=True, return_inverse=True)
    assert np.array_equal(feats[first][inverse.reshape(-1)], feats)
    ops = [table.ops[i] for i in arrays["op"][first][inverse.reshape(-1)].tolist()]
    assert ops == [op for g in graphs for op in g.ops]


def test_scoring_streams_and_deduplicates_network_graphs(model):
    archs = list(get_space(SPACE).enumerate())[:700] * 2
    whole = model.score(archs, space=SPACE)
    assert np.array_equal(whole[:700], whole[700:])  # one graph object per network: scored once, the same value
    streamed = np.concatenate(list(model.score_iter(iter(archs), SPACE, chunk=97)))
    assert_same_scores(streamed, whole)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no sparse-CSR beta warning reaches the user
        model.score(archs[:5], space=SPACE)


def test_sparse_product_ignores_what_its_output_held():
    edges = np.array([[0, 1, 1], [1, 2, 3]])
    crow, col, weight = infer.propagation_arrays(edges, 4, True, dag=True)
    adj = infer.to_csr(crow, col, weight, (4, 4))
    x = torch.randn(4, 8)
    for garbage in (float("nan"), float("inf"), 1e30):
        out = torch.full((4, 8), garbage)
        infer._spmm(adj, x, out)
        assert torch.equal(out, torch.mm(adj, x))


def test_concurrent_scoring_threads_do_not_share_scratch(model, table):
    from concurrent.futures import ThreadPoolExecutor

    graphs = [g for g in table.graphs()[:3000] if g.is_connected]
    reference = model.engine.score(graphs)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(model.engine.score, [graphs, graphs[::-1], graphs]))
    assert_same_scores(results[0], reference) and assert_same_scores(results[2], reference)
    assert_same_scores(results[1], reference[::-1])
