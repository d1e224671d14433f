"""The ``network`` representation: folding, repeat collapsing, and traced modules equal to the space adapters."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from tgnas_naslib.graph import ArchGraph
from tgnas_naslib.modules import module_graph
from tgnas_naslib.modules.nets.nasbench201 import nb201_network
from tgnas_naslib.network import NetworkBuilder, collapse_repeats
from tgnas_naslib.network.repeat import cuts
from tgnas_naslib.spaces import get_space, to_graph


def _same(a: ArchGraph, b: ArchGraph) -> None:
    assert a.ops == b.ops
    assert a.edges == b.edges
    assert a.shapes == b.shapes
    assert a.cost == b.cost


def _chain(blocks: list[int], c: int = 8) -> ArchGraph:
    """input -> conv stem -> one conv block per entry (kernel size = entry) -> output, no repeat collapsing."""
    net = NetworkBuilder("test")
    x = net.bn(net.conv(net.input(3, 8), c, 3))
    for k in blocks:
        x = net.add([x, net.relu_conv_bn(x, c, k)])
    net.output(x)
    from tgnas_naslib.network.fold import finish

    return finish(net.raw, "test", True, "network")[0]


def test_cuts_are_the_nodes_every_path_passes() -> None:
    # 0 -> 1 -> 3, 0 -> 2 -> 3, 3 -> 4: only 0, 3 and 4 lie on every path
    assert cuts(5, [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)]) == [0, 3, 4]


def test_identical_consecutive_blocks_collapse_into_instances() -> None:
    g = _chain([3, 3, 3, 1, 3])
    convs = [(op, s.instances) for op, s in zip(g.ops, g.shapes) if "ReLU" in op]
    # three 3x3 blocks in a row become one block of 3 instances; the 1x1 and the last 3x3 stay single
    assert convs == [("ReLU, 3x3 convolution, batch normalization", 3),
                     ("ReLU, 1x1 convolution, batch normalization", 1),
                     ("ReLU, 3x3 convolution, batch normalization", 1)]
    first = g.shapes[g.ops.index("ReLU, 3x3 convolution, batch normalization")]
    single = _chain([3]).shapes[2]
    assert first.flops == 3 * single.flops and first.params == 3 * single.params


def test_a_repeated_sequence_of_blocks_collapses_as_one_period() -> None:
    g = _chain([3, 1, 3, 1, 3, 1])
    convs = [(op.split(", ")[1], s.instances) for op, s in zip(g.ops, g.shapes) if "ReLU" in op]
    assert convs == [("3x3 convolution", 3), ("1x1 convolution", 3)]


def test_collapse_keeps_a_graph_without_repeats() -> None:
    g = _chain([3, 1, 5])
    assert collapse_repeats(g)[0] is g


def test_sum_of_three_is_one_addition_node() -> None:
    net = NetworkBuilder("test")
    x = net.input(3, 8)
    ys = [net.conv(x, 4, k) for k in (1, 3, 5)]
    net.output(net.add(ys))
    g = net.graph()
    assert g.ops.count("addition") == 1
    assert sorted(g.ops[a] for a, b in g.edges if g.ops[b] == "addition") == [
        "1x1 convolution", "3x3 convolution", "5x5 convolution"]


@pytest.mark.parametrize("arch", [(2, 2, 0, 2, 2, 2), (4, 0, 3, 1, 4, 3), (2, 1, 1, 2, 1, 2), (0, 3, 3, 1, 1, 1),
                                  (3, 4, 4, 0, 1, 3)])
def test_nb201_traced_module_equals_adapter_graph(arch: tuple[int, ...]) -> None:
    traced = module_graph(nb201_network(arch), (1, 3, 32, 32))
    _same(traced, to_graph(arch, "nasbench201", "network"))


def test_nb201_network_graph_cost_is_the_analytic_cost() -> None:
    space = get_space("nasbench201")
    random.seed(0)
    for arch in random.sample(list(itertools.product(range(5), repeat=6)), 50):
        g = space.network_graph(arch)
        assert g.cost == space.cost(arch)


def test_nb201_network_graph_collapses_each_stage() -> None:
    g = to_graph((2, 2, 0, 2, 2, 2), "nasbench201", "network")
    instances = sorted({s.instances for s in g.shapes})
    assert instances == [1, 4, 5]  # stage 1 and 2: 5 cells; stage 3: 4 cells + the last (BN-ReLU head folded in)
    assert g.num_nodes < 50


def test_folded_graphs_need_no_second_validation_pass() -> None:
    """``finish`` returns its graph without ArchGraph.build's checks and pruning: for networks built by every
    builder space (not read from a table) and a traced module, the full pass gives back the same graph."""
    rng = np.random.default_rng(0)
    graphs = []
    for name in ("nasbench301", "nasbench201", "transbench101_macro", "nasbench_macro", "transbench101_micro"):
        space = get_space(name)
        graphs += [space.build_network(space.random(rng), space.datasets[0]).graph() for _ in range(3)]
    graphs.append(module_graph(nb201_network((3, 1, 0, 2, 4, 3)), (1, 3, 32, 32)))
    graphs = [g for g in graphs if g.is_connected]  # a random TNB101-micro cell may have no path
    assert len(graphs) >= 14
    for g in graphs:
        assert g.shapes is not None
        _same(g, ArchGraph.build(g.ops, g.edges, g.space, g.shapes, g.cost))
        assert list(g.edges) == sorted(set(g.edges)) and all(a < b for a, b in g.edges)  # forward, sorted, unique
