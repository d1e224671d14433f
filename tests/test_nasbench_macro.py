"""NAS-Bench-Macro: the adapter (keys, costs, graphs), its torch module, and the labelled benchmark."""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pytest
import torch
from torch import nn

from tgnas_naslib.baselines import param_heuristic
from tgnas_naslib.graph import ArchGraph, ArchitectureError
from tgnas_naslib.modules import module_graph
from tgnas_naslib.modules.nets.nasbench_macro import nasbench_macro_network
from tgnas_naslib.spaces import get_space, to_graph
from tgnas_naslib.spaces.nasbench_macro import authors_flops, network_cost, real_arch

from conftest import requires_benchmark, requires_data

DATA = "nasbench_macro/nas-bench-macro_cifar10.json"
SPACE = get_space("nasbench_macro")
#: first-layer identities (positions 0, 2, 5), all identities, all blocks, mixed; every one traced and compared
TRACED = ["00000000", "01200120", "02012100", "22222222", "12121212", "20010200", "10210120", "11111111"]


def key(text: str) -> tuple[int, ...]:
    return tuple(int(c) for c in text)


@pytest.fixture(scope="module")
def stored() -> dict[str, dict]:
    """The benchmark's json, as the authors published it."""
    return json.loads(requires_data(DATA).read_text())


def _same(a: ArchGraph, b: ArchGraph) -> None:
    assert a.ops == b.ops
    assert a.edges == b.edges
    assert a.shapes == b.shapes
    assert a.cost == b.cost


# --- keys ----------------------------------------------------------------------------------------------------------
def test_names_keys_and_enumeration():
    assert get_space("nbmacro") is get_space("NAS-Bench-Macro") is SPACE
    want = (0, 2, 0, 1, 2, 1, 0, 0)
    for form in ("02012100", " 02012100 ", want, list(want), np.array(want), "(0, 2, 0, 1, 2, 1, 0, 0)"):
        assert SPACE.canonical(form) == want
    assert SPACE.format(want) == "02012100"
    archs = list(SPACE.enumerate())
    assert SPACE.size() == len(archs) == len(set(archs)) == 6561
    rng = np.random.default_rng(0)
    assert all(SPACE.canonical(SPACE.random(rng)) for _ in range(20))
    assert SPACE.datasets == ("cifar10",)


@pytest.mark.parametrize("bad,says", [
    ("0201210", "has 7 characters"), ("020121000", "has 9 characters"), ("", "has 0 characters"),
    ("02312100", "layer 3 is '3', a digit outside 0..2"), ("0201a100", "layer 5 is 'a', not a digit"),
    ("0201-100", "layer 5 is '-', not a digit"), ((0, 2, 0, 1), "has 4 entries"),
    ((0, -1, 0, 1, 2, 1, 0, 0), "layer 2 is -1, outside 0..2"), ((0, 3, 0, 1, 2, 1, 0, 0), "layer 2 is 3"),
    ((0, 1.5, 0, 1, 2, 1, 0, 0), "layer 2 is 1.5 (float), not an int"), (2012100, "loses leading zeros"),
    (None, "must be a string or a sequence"),
])
def test_bad_keys_get_one_clear_line(bad, says):
    for parse in (SPACE.canonical, lambda a: to_graph(a, "nasbench_macro"), lambda a: SPACE.cost(a)):
        with pytest.raises(ArchitectureError) as err:
            parse(bad)
        msg = str(err.value)
        assert "\n" not in msg and says in msg and "expected 8 digits in 0..2" in msg, msg


# --- costs ---------------------------------------------------------------------------------------------------------
def test_flops_and_params_against_a_hand_count():
    # all identities: stem Conv3x3 3->32 @32 + BN + ReLU; three strided Conv1x1 + BN (32->64 @16, 64->128 @8,
    # 128->256 @4); head Conv1x1 256->1280 @4 + BN + ReLU, global pool ((4+1)^2 windows), Linear 1280->10
    stem = 3 * 32 * 9 * 32 * 32 + 2 * 32 * 32 * 32 + 32 * 32 * 32
    downs = (32 * 64 + 2 * 64) * 16 * 16 + (64 * 128 + 2 * 128) * 8 * 8 + (128 * 256 + 2 * 256) * 4 * 4
    head = (256 * 1280 + 2 * 1280 + 1280) * 4 * 4 + 1280 * 25 + 1280 * 10
    assert network_cost(key("00000000")).flops == stem + downs + head == 7_962_368
    params = (3 * 32 * 9 + 64) + (32 * 64 + 128) + (64 * 128 + 256) + (128 * 256 + 512) + (256 * 1280 + 2560) + 12810
    assert network_cost(key("00000000")).params == params == 387_882
    # layer 1 an MB block k3 e3 (32 -> 96 -> 64, stride 2 in the depthwise conv) instead of the strided Conv1x1-BN
    block = (32 * 96 * 32 * 32 + 3 * 96 * 32 * 32          # pw conv, BN, ReLU at 32x32
             + 9 * 96 * 16 * 16 + 3 * 96 * 16 * 16          # depthwise 3x3 / 2, BN, ReLU at 16x16
             + 96 * 64 * 16 * 16 + 2 * 64 * 16 * 16)        # pw-linear conv, BN
    down1 = (32 * 64 + 2 * 64) * 16 * 16
    assert network_cost(key("10000000")).flops == 7_962_368 - down1 + block == 12_746_496
    assert network_cost(key("10000000")).params == 387_882 - (2048 + 128) + (3072 + 192 + 864 + 192 + 6144 + 128)
    # layer 2 an MB block k5 e6 with its residual (64 -> 384 -> 64 at 16x16; the addition counts nothing)
    block = (64 * 384 + 3 * 384 + 25 * 384 + 3 * 384 + 384 * 64 + 2 * 64) * 16 * 16
    assert network_cost(key("02000000")).flops == 7_962_368 + block == 23_625_472
    assert network_cost(key("02000000")).params == 387_882 + (24576 + 768 + 9600 + 768 + 24576 + 128) == 448_298
    # the authors' convention: conv multiply-accumulates and Linear in*out only
    assert authors_flops(key("00000000")) == 3 * 32 * 9 * 1024 + 32 * 64 * 256 + 64 * 128 * 64 + 128 * 256 * 16 \
        + 256 * 1280 * 16 + 12800 == 7_713_280
    assert authors_flops(key("02000000")) == 7_713_280 + (64 * 384 + 25 * 384 + 384 * 64) * 256 == 22_753_792


def test_exact_params_and_authors_flops_for_every_arch(stored):
    assert len(stored) == 6561
    for k, entry in stored.items():
        arch = SPACE.canonical(k)
        assert SPACE.cost(arch).params == entry["params"], k
        assert authors_flops(arch) == entry["flops"], k


@pytest.mark.parametrize("arch", TRACED[:5])
def test_the_two_flops_conventions_differ_by_bn_relu_and_pooling(arch):
    """Count on the torch module itself: conv / linear multiply-accumulates are the authors' number; torchstat adds
    2 per BN element, 1 per ReLU element and the global pool's 25 windows per channel."""
    model = nasbench_macro_network(arch).eval()
    macs, extra, params = [0], [0], sum(p.numel() for p in model.parameters())

    def hook(m: nn.Module, inp: tuple, out: torch.Tensor) -> None:
        if isinstance(m, nn.Conv2d):
            macs[0] += out[0].numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs[0] += m.in_features * m.out_features
        elif isinstance(m, nn.BatchNorm2d):
            extra[0] += 2 * out[0].numel()
        elif isinstance(m, nn.ReLU):
            extra[0] += out[0].numel()
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            extra[0] += inp[0].shape[1] * 25  # (4 + 1)^2 windows per channel on the 4x4 map

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    for h in handles:
        h.remove()
    cost = SPACE.cost(arch)
    assert authors_flops(key(arch)) == macs[0]
    assert cost.flops == macs[0] + extra[0]
    assert cost.params == params


def test_stored_flops_rank_like_ours(stored):
    from scipy.stats import spearmanr

    archs = [SPACE.canonical(k) for k in stored]
    ours = [network_cost(a).flops for a in archs]
    theirs = [stored[k]["flops"] for k in stored]
    assert spearmanr(ours, theirs)[0] > 0.999


# --- graphs --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("arch", TRACED)
def test_traced_module_equals_adapter_network_graph(arch):
    traced = module_graph(nasbench_macro_network(arch), (1, 3, 32, 32))
    _same(traced, to_graph(arch, "nasbench_macro", "network"))
    assert traced.cost == SPACE.cost(arch)


def test_identity_positions_within_a_stage_give_one_network():
    """Keys whose identities sit elsewhere in a stage (after its first layer) name the network of their real arch
    (the authors' get_real_arch): equal network graphs (a sample) and equal legacy graphs (all 6,561)."""
    archs = list(SPACE.enumerate())
    moved = [a for a in archs if real_arch(a) != a]
    assert len(moved) == 6561 - 3969  # 9 x 21 x 21 distinct networks
    rng = np.random.default_rng(0)
    for i in rng.choice(len(moved), 150, replace=False):
        _same(SPACE.network_graph(moved[i]), SPACE.network_graph(real_arch(moved[i])))
    _same(SPACE.network_graph(key("10201102")), SPACE.network_graph(key("10210120")))
    legacy: dict[tuple, ArchGraph] = {}
    for a in archs:
        assert legacy.setdefault(real_arch(a), SPACE.graph(a)) == SPACE.graph(a)
    assert len({(g.ops, g.edges, g.shapes) for g in legacy.values()}) == 3969
    assert SPACE.network_graph(key("10200000")) != SPACE.network_graph(key("12000000"))


def test_network_graph_collapses_repeated_blocks():
    g = to_graph("11111111", "nasbench_macro", "network")
    assert sorted({s.instances for s in g.shapes}) == [1, 2]  # the two residual blocks of stages 2 and 3
    assert g.num_nodes == 27 and to_graph("00000000", "nasbench_macro", "network").num_nodes == 9


def test_legacy_chain_graph():
    g = to_graph("02012100", "nasbench_macro")  # representation "prune", the cell-trained models' graph
    assert g.ops == ("input", "downsample_conv_1x1", "mbconv_5x5_e6", "downsample_conv_1x1", "mbconv_3x3_e3",
                     "mbconv_5x5_e6", "mbconv_3x3_e3", "output")
    # residual blocks (layers 2, 5): their input also feeds what follows; later identities (7, 8) are plain edges
    assert g.edges == ((0, 1), (1, 2), (1, 3), (2, 3), (3, 4), (3, 5), (3, 6), (4, 5), (4, 6), (5, 6), (6, 7))
    assert [(s.c_in, s.c_out, s.h_in, s.stride, s.kernel) for s in g.shapes[1:-1]] == [
        (32, 64, 32, 2, 1), (64, 64, 16, 1, 5), (64, 128, 16, 2, 1), (128, 128, 8, 1, 3), (128, 128, 8, 1, 5),
        (128, 256, 8, 2, 3)]
    assert g.cost == SPACE.cost("02012100") == SPACE.network_graph(key("02012100")).cost
    assert sum(s.flops for s in g.shapes) < g.cost.flops  # stem and head are outside the chain
    ops = to_graph("02012100", "nasbench_macro", "ops")
    assert ops.ops.count("skip_connect") == 2 and ops.num_nodes == g.num_nodes + 2
    assert to_graph("00000000", "nasbench_macro").ops == ("input",) + ("downsample_conv_1x1",) * 3 + ("output",)
    assert param_heuristic(g) == 1 + 25 + 1 + 9 + 25 + 9  # kernel areas (the downsampling conv is 1x1)


# --- the labelled benchmark ----------------------------------------------------------------------------------------
def test_benchmark_loads_every_arch_labelled(stored):
    from scipy.stats import spearmanr

    from tgnas_naslib.datasets import CATALOG, ZERO_SHOT_BENCHMARKS, load_benchmark

    requires_benchmark("nbmacro_cifar10_6561")
    assert "nbmacro_cifar10_6561" in ZERO_SHOT_BENCHMARKS and CATALOG["nbmacro_cifar10_6561"].space == SPACE.name
    b = load_benchmark("nbmacro_cifar10_6561")
    assert len(b) == len(set(b.archs)) == 6561 and b.duplicates == 0 and not np.isnan(b.y).any()
    assert b.proxy_names == ["authors_flops", "authors_params"]
    r = b.records[0]
    entry = stored[SPACE.format(r.arch)]
    assert r.y == entry["mean_acc"]
    assert r.proxies == {"authors_params": entry["params"], "authors_flops": entry["flops"]}
    by_network = defaultdict(set)
    for rec in b.records:
        by_network[real_arch(rec.arch)].add(rec.y)
    assert all(len(ys) == 1 for ys in by_network.values())  # one trained network per class of keys
    rho = {p: spearmanr(b.proxy(p), b.y)[0] for p in b.proxy_names}
    assert round(rho["authors_flops"], 3) == 0.748 and round(rho["authors_params"], 3) == 0.318  # data README


def test_study_includes_it_with_analytic_columns_only():
    from tgnas_naslib.datasets import load_benchmark
    from tgnas_naslib.study.data import SPEC_BY_KEY, TRAINING, UNLABELLED, assemble

    requires_benchmark("nbmacro_cifar10_6561")
    spec = SPEC_BY_KEY["nbmacro_cifar10"]
    labelled = [s for s in SPEC_BY_KEY.values() if s.role != UNLABELLED]
    assert len(labelled) == 13 and spec.role not in (TRAINING, UNLABELLED)
    d = assemble(spec)
    assert d.n == 6561 and d.space == "nasbench_macro"
    assert sorted(d.columns) == ["flops_analytic", "params_analytic"]  # no NAS-Bench-Suite-Zero proxy is stored
    stored_params = [r.proxies["authors_params"] for r in load_benchmark("nbmacro_cifar10_6561").records]
    assert d.columns["params_analytic"].values.tolist() == stored_params
