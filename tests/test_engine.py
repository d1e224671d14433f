"""The plain-torch scoring engine: equal to the torch-geometric GCN, and equal (within conftest.SCORE_RTOL, with the
same ranking) however the input is cut (chunk sizes, thread counts, order): bit-identity across batch sizes is a
property of a machine's kernels, not of the code, so no test asks for it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tgnas_naslib import get_space, to_graph
from tgnas_naslib.api import TGNAS
from tgnas_naslib.model.config import TrainConfig
from tgnas_naslib.model.propagate import propagation
from tgnas_naslib.threads import torch_threads

from conftest import assert_same_scores


def _model(shape_features: str, readout: str = "mean", members: int = 3, fusion: float = 0.0) -> TGNAS:
    """An untrained ensemble with non-trivial batch-norm statistics (random weights are enough to compare paths)."""
    cfg = TrainConfig(shape_features=shape_features, readout=readout, flops_fusion=fusion)
    torch.manual_seed(0)
    graphs = [to_graph(get_space("nasbench301").random(np.random.default_rng(i)), "nasbench301") for i in range(64)]
    from tgnas_naslib.model.featurize import graph_matrix, shape_matrix

    models = []
    for _ in range(members):
        m = cfg.build_model(cfg.embedder().dim)
        if cfg.node_features:
            m.set_shape_stats(torch.from_numpy(shape_matrix(graphs, cfg.node_features)))
        if cfg.graph_features:
            m.set_size_stats(torch.from_numpy(graph_matrix(graphs, cfg.graph_features)))
        for norm in m.norms:  # eval-mode batch norm with non-trivial running statistics
            norm.module.running_mean.uniform_(-0.5, 0.5)
            norm.module.running_var.uniform_(0.5, 2.0)
        if m.size_head is not None:
            m.size_head.weight.data.uniform_(-1, 1)
        models.append(m)
    return TGNAS(models, cfg)


def _mixed_graphs(n: int = 300):
    rng = np.random.default_rng(1)
    out = []
    for space in ("nasbench201", "nasbench301", "transbench101_micro", "transbench101_macro"):
        adapter = get_space(space)
        out += [to_graph(adapter.random(rng), space) for _ in range(n // 4)]
    return [g for g in out if g.is_connected]


@pytest.mark.parametrize("features,readout,fusion", [("none", "mean", 0.0), ("rel+size", "mean", 0.0),
                                                     ("rel+size", "mean+sum", 0.0), ("node+net", "sum", 0.0),
                                                     ("none", "mean", 1.0)])
def test_engine_equals_the_torch_geometric_gcn(features, readout, fusion):
    from tgnas_naslib.model.train import predict

    model = _model(features, readout, fusion=fusion)
    graphs = _mixed_graphs()
    ours = model.engine.score(graphs)
    pyg = predict(model.models, graphs, model.config)
    np.testing.assert_allclose(ours, pyg, rtol=1e-5, atol=1e-5)


def test_propagation_matrix_equals_gcn_norm():
    from tgnas_naslib.model.gcn import propagation_graph

    g = to_graph((2, 2, 0, 2, 2, 2), "nasbench201")
    edges = np.array(g.edges).T
    for undirected in (True, False):
        ref = propagation_graph(torch.as_tensor(edges), g.num_nodes, undirected).to_dense()
        for dag in (False, True):  # the DAG shortcut (no de-duplication) builds the same matrix
            torch.testing.assert_close(propagation(edges, g.num_nodes, undirected, dag=dag).to_dense(), ref)


def test_scores_do_not_depend_on_chunk_sizes_threads_or_order():
    model = _model("rel+size", "mean+sum")
    graphs = _mixed_graphs(400)
    reference = model.engine.score(graphs)
    # one graph at a time (the smallest chunk) on every 8th graph (all four spaces), then larger chunks and 2
    # threads on all of them
    lone = np.concatenate([model.engine.score([g]) for g in graphs[::8]])
    assert_same_scores(lone, reference[::8], what="chunk 1")
    for chunk, threads in ((7, 1), (64, 2), (len(graphs), 2)):
        with torch_threads(threads):
            got = np.concatenate([model.engine.score(graphs[s:s + chunk]) for s in range(0, len(graphs), chunk)])
        assert_same_scores(got, reference, what=f"chunk {chunk}, {threads} threads")
    # and in another order: each graph's score depends on that graph only
    perm = np.random.default_rng(0).permutation(len(graphs))
    assert_same_scores(model.engine.score([graphs[i] for i in perm]), reference[perm], what="permuted")


def test_shipped_model_scores_do_not_depend_on_chunking():
    model = TGNAS.pretrained()
    archs = list(get_space("nasbench201").enumerate())[::5]
    reference = np.concatenate(list(model.score_iter(archs, "nasbench201", chunk=len(archs))))
    one_by_one = np.concatenate(list(model.score_iter(archs[:50], "nasbench201", chunk=1)))
    assert_same_scores(one_by_one, reference[:50], what="chunk 1")
    for chunk in (97, 1000):
        got = np.concatenate(list(model.score_iter(archs, "nasbench201", chunk=chunk)))
        assert_same_scores(got, reference, what=f"chunk {chunk}")


def test_score_iter_streams_the_same_scores_as_score():
    model = _model("rel+size")
    archs = list(get_space("nasbench201").enumerate())[:1000]
    whole = model.score(archs, "nasbench201")
    streamed = np.concatenate(list(model.score_iter(iter(archs), "nasbench201", chunk=97)))
    assert_same_scores(streamed, whole)
    assert np.isneginf(whole[archs.index((0, 1, 1, 1, 1, 1))])  # only 0->1 live: no input->output path
