"""The ``network`` representation of NB101, DARTS / NB301 and TransNAS-Bench-101 micro / macro: each adapter's
layer-by-layer network equals the traced module of the same network, and costs what the analytic count (and so
NAS-Bench-Suite-Zero's stored FLOPs and params) says, for every stored architecture."""

from __future__ import annotations

import numpy as np
import pytest
from test_network import _same

from tgnas_naslib.modules import module_graph
from tgnas_naslib.modules.nets.darts import DEFAULT_GENOTYPE, darts_network
from tgnas_naslib.modules.nets.nasbench101 import DEFAULT_SPEC, nb101_network
from tgnas_naslib.modules.nets.transbench101 import tnb101_macro_network, tnb101_micro_network
from tgnas_naslib.network import network_cost
from tgnas_naslib.spaces import get_space, to_graph

from conftest import data_root, requires_benchmark

# input -> 1 (3x3) -> 2 (max pool) -> output, input -> 3 (1x1) -> output, 1 -> output, 1 -> 3, input -> output:
# three vertices share the output's channels unevenly (43 / 43 / 42), so 1 -> 3 truncates a channel
NB101_TRUNCATING = {"matrix": [[0, 1, 0, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
                    "ops": ["input", "conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "output"]}
NB101_ONLY_INPUT = {"matrix": [[0, 1, 1], [0, 0, 0], [0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]}
# a 7-vertex spec whose vertex 4 is dead (NAS-Bench-101 prunes it before building the network)
NB101_DEAD = {"matrix": [[0, 1, 0, 0, 1, 0, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0],
                         [0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
              "ops": ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "conv3x3-bn-relu",
                      "conv1x1-bn-relu", "output"]}
# skips from both cell inputs in the reduction cell (FactorizedReduce at stride 2), every pool, 5x5 ops, a `none`
DARTS_EDGE_CASES = ("Genotype(normal=[('avg_pool_3x3', 0), ('dil_conv_5x5', 1), ('skip_connect', 0), "
                    "('sep_conv_5x5', 2), ('none', 1), ('max_pool_3x3', 3), ('skip_connect', 2), ('skip_connect', 4)], "
                    "normal_concat=range(2, 6), reduce=[('skip_connect', 0), ('skip_connect', 1), "
                    "('avg_pool_3x3', 0), ('none', 2), ('dil_conv_3x3', 1), ('sep_conv_3x3', 3), "
                    "('max_pool_3x3', 1), ('skip_connect', 4)], reduce_concat=range(2, 6))")


def _traced_equals_adapter(space: str, arch, module, size: int) -> None:
    adapter = get_space(space)
    canonical = adapter.canonical(arch)
    graph = adapter.network_graph(canonical)
    _same(module_graph(module, (1, 3, size, size)), graph)
    assert graph.cost == adapter.cost(canonical)


@pytest.mark.parametrize("arch", [DEFAULT_SPEC, NB101_TRUNCATING, NB101_ONLY_INPUT, NB101_DEAD])
def test_nb101_traced_module_equals_adapter_graph(arch) -> None:
    _traced_equals_adapter("nasbench101", arch, nb101_network(arch), 32)


@pytest.mark.parametrize("arch", [DEFAULT_GENOTYPE, DARTS_EDGE_CASES])
def test_darts_traced_module_equals_adapter_graph(arch) -> None:
    _traced_equals_adapter("nasbench301", arch, darts_network(arch), 32)


# skip + none (FactorizedReduce and channel-changing zeros at the reductions), skips only, a mix, no path at all
@pytest.mark.parametrize("arch", ["1_00_100", "0_10_101", "1_11_111", "2_01_230", "0_00_000"])
def test_tnb_micro_traced_module_equals_adapter_graph(arch: str) -> None:
    _traced_equals_adapter("transbench101_micro", arch, tnb101_micro_network(arch), 256)


# "1414": a layer without projections, then one with; "231414": channel-only and stride-only projections
@pytest.mark.parametrize("arch", ["1414", "231414"])
def test_tnb_macro_traced_module_equals_adapter_graph(arch: str) -> None:
    _traced_equals_adapter("transbench101_macro", arch, tnb101_macro_network(arch), 256)


def test_nb101_cell_without_a_path_is_the_disconnected_network() -> None:
    cut = {"matrix": [[0, 1, 0], [0, 0, 0], [0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]}
    assert not to_graph(cut, "nasbench101", "network").is_connected


def test_nb101_adapter_graph_equals_traced_nasbench_pytorch_network() -> None:
    """NASLib trains nasbench_pytorch's Network: traced, it gives the adapter's graph and cost (when installed)."""
    network = pytest.importorskip("nasbench_pytorch.model").Network
    from tgnas_naslib.spaces.nasbench101 import prune

    adapter = get_space("nasbench101")
    for spec in (DEFAULT_SPEC, NB101_TRUNCATING, NB101_DEAD):
        matrix, ops = prune(adapter.canonical(spec))
        traced = module_graph(network((matrix, list(ops))), (1, 3, 32, 32))
        _same(traced, adapter.network_graph(adapter.canonical(spec)))


def test_network_graphs_collapse_repeated_cells() -> None:
    nb101 = get_space("nasbench101").network_graph(get_space("nasbench101").canonical(DEFAULT_SPEC))
    assert {s.instances for s in nb101.shapes} == {1, 2, 3}  # stack 1: 3 cells; stacks 2, 3: 1 + 2
    macro = get_space("transbench101_macro").network_graph((4, 1, 4, 1, 4))
    assert max(s.instances for s in macro.shapes) == 3  # the three unprojected blocks of the 1-layers and after


def _stored(name: str) -> list:
    from tgnas_naslib.datasets import load_benchmark

    requires_benchmark(name)
    return load_benchmark(name).records


def _assert_stored(costs: list, records: list) -> None:
    ours = np.array([(c.params / 1e6, c.flops / 1e6) for c in costs])
    np.testing.assert_allclose(ours, np.array([(r.proxies["params"], r.proxies["flops"]) for r in records]),
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize("name,space", [("nb101_500", "nasbench101"), ("nb301_500", "nasbench301")])
def test_network_graph_cost_is_every_stored_value(name: str, space: str) -> None:
    adapter = get_space(space)
    records = _stored(name)
    costs = []
    for r in records:
        arch = adapter.canonical(r.arch)
        costs.append(adapter.network_graph(arch).cost)
        assert costs[-1] == adapter.cost(arch), adapter.format(arch)
    _assert_stored(costs, records)


@pytest.mark.slow
@pytest.mark.parametrize("space", ["transbench101_micro", "transbench101_macro"])
def test_network_cost_is_the_analytic_cost_for_every_arch(space: str) -> None:
    """Every TNB101 arch (4,096 cells / 3,256 skeletons); the cost of every layer the builder records is what its graph
    reports (``finish``: ``network_cost(raw.stats + raw.extra)``; the graphs themselves are held equal above)."""
    adapter = get_space(space)
    archs = list(adapter.enumerate())
    assert len(archs) == {"transbench101_micro": 4096, "transbench101_macro": 3256}[space]
    costs = {}
    for arch in archs:
        raw = adapter.build_network(arch, "class_scene").raw
        costs[arch] = network_cost(raw.stats + raw.extra)
        assert costs[arch] == adapter.cost(arch), adapter.format(arch)
    if space == "transbench101_micro" and data_root() is not None:
        records = _stored("tnb101_micro_class_scene_zcc_2128")
        _assert_stored([costs[adapter.canonical(r.arch)] for r in records], records)
