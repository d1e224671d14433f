"""Skeletons: blocks from module scopes, the same whichever way a network comes in, width-free block graphs."""

from __future__ import annotations

import numpy as np
import pytest
from torch import nn

from tgnas_naslib.modules.trace import module_graph
from tgnas_naslib.network.skeleton import block_ids, scope_key
from tgnas_naslib.spaces import get_space
from tgnas_naslib.spaces.darts_skeletons import skeletons as darts_skeletons

#: space -> (reference module factory, input size of its default dataset)
MODULES = {
    "nasbench201": ("nasbench201", "nb201_network", 32),
    "nasbench301": ("darts", "darts_network", 32),
    "nasbench_macro": ("nasbench_macro", "nasbench_macro_network", 32),
    "transbench101_micro": ("transbench101", "tnb101_micro_network", None),
    "transbench101_macro": ("transbench101", "tnb101_macro_network", None),
}


def _factory(space: str):
    import importlib

    module, name, size = MODULES[space]
    return getattr(importlib.import_module(f"tgnas_naslib.modules.nets.{module}"), name), size


def _summary(sk):
    return [(b.signature, b.level, round(b.flops), round(b.params)) for b in sk.blocks]


@pytest.mark.parametrize("space", sorted(MODULES))
def test_a_traced_module_and_the_adapter_give_the_same_skeleton(space):
    adapter = get_space(space)
    factory, size = _factory(space)
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(12):
        arch = adapter.random(rng)
        sk = adapter.skeleton(adapter.canonical(arch))
        if not sk.is_connected:
            continue
        h = size or int(adapter.to_graph(arch, "network").shapes[0].h_in)
        traced = module_graph(factory(arch), (1, 3, h, h), True, "skeleton")
        assert _summary(traced) == _summary(sk), space
        assert traced.cost == sk.cost
        checked += 1
        if checked == 4:
            break
    assert checked >= 2


def test_blocks_come_from_scopes_and_stages_split_into_their_blocks():
    assert scope_key("cells.3.op1") == "cells.3" and scope_key("layer2.0.conv1") == "layer2.0"
    assert scope_key("stem") is None and scope_key("layers.0.1.conv_a", 2) == "layers.0.1"
    # a stage (layers.0) of two residual blocks in sequence: split; loose nodes before / after: one block each
    names = ["x", "stem", "stem.bn", "layers.0.0.a", "layers.0.0.add", "layers.0.1.a", "layers.0.1.add", "fc", "out"]
    edges = [(0, 1), (1, 2), (2, 3), (2, 4), (3, 4), (4, 5), (4, 6), (5, 6), (6, 7), (7, 8)]
    skip = [True] + [False] * 7 + [True]
    ids = block_ids(names, edges, skip)
    assert ids == [-1, 0, 0, 1, 1, 2, 2, 3, -1]
    # a cell whose ops are numbered modules read by an add that skips over them: one block
    names = ["x", "cells.0.ops.0.conv", "cells.0.ops.1.conv", "cells.0.add", "out"]
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)]
    assert block_ids(names, edges, [True, False, False, False, True]) == [-1, 0, 0, 0, -1]


def test_identical_cells_are_one_block_graph_at_every_width():
    sk = get_space("nasbench201").skeleton((2, 2, 0, 2, 2, 2))
    cells = [b for b in sk.blocks if sum(op.startswith("ReLU, 3x3") for op in b.graph.ops) == 5]
    assert len(cells) == 15  # 3 stages x 5 cells
    # one shared (interned) block graph: channels never enter; the last cell differs only by the final BN-ReLU folded
    # into its addition
    assert len({id(b.graph) for b in cells[:-1]}) == 1 and cells[-1].graph.ops[-2].startswith("addition, batch")
    assert sorted({b.level for b in cells}) == [0.0, 1.0, 2.0]
    assert sk.cost == get_space("nasbench201").cost((2, 2, 0, 2, 2, 2))


class _Net(nn.Module):
    def __init__(self, width: float, blocks: int = 2) -> None:
        super().__init__()
        c = max(4, int(32 * width))
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())
        self.layers = nn.Sequential(*[nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU()) for _ in range(blocks)])
        self.head = nn.Linear(c, 10)

    def forward(self, x):
        return self.head(self.layers(self.stem(x)).mean((2, 3)))


def test_widening_changes_costs_only():
    narrow, wide = (module_graph(_Net(w), (1, 3, 32, 32), True, "skeleton") for w in (0.25, 1.0))
    assert [b.signature for b in narrow.blocks] == [b.signature for b in wide.blocks]
    assert all(w.flops > n.flops for n, w in zip(narrow.blocks, wide.blocks) if n.flops)
    assert wide.cost.flops > narrow.cost.flops
    deeper = module_graph(_Net(1.0, blocks=3), (1, 3, 32, 32), True, "skeleton")
    assert len(deeper.blocks) == len(wide.blocks) + 1


def test_a_disconnected_architecture_has_no_blocks():
    sk = get_space("nasbench201").skeleton((1, 1, 1, 1, 1, 1))  # every edge `none`
    assert not sk.is_connected and sk.blocks == () and sk.cost.flops > 0


def test_skeletons_pickle_and_compare_by_value():
    import pickle

    sk = get_space("nasbench_macro").skeleton(get_space("nasbench_macro").canonical("02012100"))
    back = pickle.loads(pickle.dumps(sk))
    assert back == sk and hash(back) == hash(sk) and back.kind == "skeleton"


def test_darts_skeletons_from_templates_equal_the_layer_by_layer_build():
    darts = get_space("darts")
    rng = np.random.default_rng(11)
    for _ in range(60):
        arch = darts.random(rng)
        assert darts.skeleton(arch) == darts.generic_skeleton(arch), darts.format(arch)


def _darts_edge_cases() -> list[tuple]:
    """Genotypes the random sampler rarely draws: a node reading one input twice (duplicate edges), identity skips
    only, cells that never read input 0 or input 1, a strided skip as the only reader of an input."""
    sep, skip, pool = "sep_conv_3x3", "skip_connect", "max_pool_3x3"
    twice = ((0, sep), (0, skip), (1, skip), (1, skip), (2, pool), (3, "dil_conv_5x5"), (0, skip), (4, sep))
    only_skips = tuple((s, skip) for s in (0, 1, 0, 2, 1, 3, 2, 4))
    no_input0 = ((1, sep), (1, "avg_pool_3x3"), (1, skip), (2, sep), (2, "dil_conv_3x3"), (3, skip), (3, sep),
                 (4, pool))
    no_input1 = tuple((s, op) for s, op in zip((0, 0, 0, 2, 0, 3, 2, 4), (sep, pool, skip, skip, sep, skip, pool, sep)))
    lone_skip = ((0, skip), (1, sep), (1, pool), (2, sep), (1, "sep_conv_5x5"), (2, skip), (3, pool), (4, sep))
    cells = [twice, only_skips, no_input0, no_input1, lone_skip]
    return [(a, b) for a in cells for b in cells]


def test_darts_skeletons_laid_out_at_once_equal_the_per_genotype_build():
    """The array layout of many genotypes (what scoring DARTS uses) gives, architecture by architecture, the same
    blocks (graphs, features, levels, costs) and network cost as the per-genotype templates."""
    darts = get_space("darts")
    rng = np.random.default_rng(5)
    archs = [darts.random(rng) for _ in range(400)] + _darts_edge_cases()
    many = darts_skeletons(darts, archs)
    assert many[0].source is not None and many[0].source[0].transient  # read from one chunk table
    for arch, sk in zip(archs, many):
        assert sk == darts.skeleton(arch), darts.format(arch)
    assert sk.cost == darts.skeleton(arch).cost
    none_op = ((((0, "none"),) + archs[0][0][1:]), archs[0][1])  # outside NASLib's seven: built on its own
    assert darts_skeletons(darts, [none_op])[0] == darts.generic_skeleton(none_op)


def test_a_darts_chunk_table_merges_chains_as_the_per_graph_merge_does():
    from tgnas_naslib.model.hier import _collapse_table_chains, block_inputs

    darts = get_space("darts")
    table = darts_skeletons(darts, _darts_edge_cases() + [darts.random(np.random.default_rng(2)) for _ in range(30)]
                            )[0].source[0]
    vocab: dict[str, int] = {}
    fast = _collapse_table_chains(table, vocab)
    text = {i: t for t, i in vocab.items()}
    graphs = [block_inputs(g.ops, g.edges, f, True, False)
              for g, f in (table.graph(k) for k in range(len(table.graph_nodes) - 1))]
    assert [text[i] for i in fast["node_op"].tolist()] == [o for g in graphs for o in g[0]]
    assert fast["edge_src"].tolist() == [a for g in graphs for a, _ in g[1]]
    assert fast["edge_dst"].tolist() == [b for g in graphs for _, b in g[1]]
    assert np.array_equal(fast["graph_edges"], np.cumsum([0] + [len(g[1]) for g in graphs]))


@pytest.mark.parametrize("bad,match", [
    ((((5, 3),) + ((1, 3),) * 7,) * 2, "intermediate node 2 cannot take input 5"),
    ((((0, 9),) * 8,) * 2, "op index 9 outside 0..6"),
    ((((0, 3),) * 7,) * 2, "must have 8 \\(input, op\\) pairs, got 7"),
    ("Genotype(normal=[('conv_9x9', 0)])", "conv_9x9|normal"),
])
def test_a_malformed_darts_genotype_is_one_clear_error_before_any_layout(bad, match, capsys):
    """Scoring DARTS lays genotypes out in arrays; a malformed one is refused by name first (the API raises an
    ArchitectureError, the CLI prints one line and exits 2), never an index error from inside the layout."""
    from tgnas_naslib import TGNAS
    from tgnas_naslib.cli import main
    from tgnas_naslib.graph import ArchitectureError

    good = get_space("darts").random(np.random.default_rng(0))
    with pytest.raises(ArchitectureError, match=match):
        TGNAS.pretrained().score([good, bad], "darts")
    assert main(["score", "--space", "darts", "--arch", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "error" in err
