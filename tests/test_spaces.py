"""Adapters against known facts of each benchmark encoding."""

import numpy as np
import pytest

from tgnas_naslib.graph import ArchitectureError
from tgnas_naslib.spaces import SPACES, get_space, to_graph
from tgnas_naslib.spaces.nasbench201 import parse_string, to_string
from tgnas_naslib.spaces.transbench101 import macro_is_valid

BEST_NB201 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
README_NB201 = "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|"


def test_nb201_string_tuple_roundtrip():
    assert parse_string(BEST_NB201) == (2, 2, 0, 2, 2, 2)
    assert parse_string(README_NB201) == (4, 0, 3, 1, 4, 3)
    for arch in list(SPACES["nasbench201"].enumerate())[::97]:
        assert parse_string(to_string(arch)) == arch


def test_nb201_graph_of_best_cell():
    g = to_graph(BEST_NB201, "nasbench201")
    # 5 convs (the skip 0->3 becomes an input->output edge)
    assert sorted(g.ops) == ["input", "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3",
                             "nor_conv_3x3", "output"]
    assert (g.ops.index("input"), g.ops.index("output")) in g.edges
    kept = to_graph(BEST_NB201, "nasbench201", representation="ops")
    assert kept.ops.count("skip_connect") == 1 and kept.num_nodes == 8


def test_nb201_disconnected_count():
    graphs = [to_graph(a, "nasbench201") for a in SPACES["nasbench201"].enumerate()]
    assert sum(not g.is_connected for g in graphs) == 341  # the data README's count


@pytest.mark.parametrize("bad,match", [
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|", "3 nodes"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|", "needs 3 inputs"),
    ("|conv_9x9~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "unknown"),
    ("|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "invalid"),
    ("nor_conv_3x3~0+x~0", "3 nodes"),
])
def test_nb201_malformed_strings(bad, match):
    with pytest.raises(ArchitectureError, match=match):
        to_graph(bad, "nasbench201")


def test_tuple_errors():
    with pytest.raises(ArchitectureError, match="6 entries"):
        to_graph((1, 2, 3), "nasbench201")
    with pytest.raises(ArchitectureError, match="outside the valid op indices"):
        to_graph((0, 0, 0, 0, 0, 7), "nasbench201")
    with pytest.raises(ArchitectureError, match="outside the valid op indices"):
        to_graph((0, 0, 0, 0, 0, 4), "transbench101_micro")
    with pytest.raises(ArchitectureError, match="unknown search space"):
        to_graph((0,) * 6, "nasbench999")


def test_numpy_and_string_encodings_are_accepted():
    a = to_graph(np.array([2, 2, 0, 2, 2, 2], dtype=np.int64), "nb201")
    b = to_graph("(2, 2, 0, 2, 2, 2)", "nasbench201")
    assert a == b == to_graph(BEST_NB201, "nasbench201")


def test_tnb_micro_edge_order_and_dead_cells():
    # data README: (0,0,3,0,0,0) is at chance (conv on 1->2, unreachable), (0,0,0,3,0,0) has conv on 0->3
    assert not to_graph((0, 0, 3, 0, 0, 0), "transbench101_micro").is_connected
    live = to_graph((0, 0, 0, 3, 0, 0), "transbench101_micro")
    assert live.ops == ("input", "output", "nor_conv_3x3")
    assert to_graph("1_02_333", "transbench101_micro") == to_graph((1, 0, 2, 3, 3, 3), "transbench101_micro")
    assert get_space("tnb101_micro").format((1, 0, 2, 3, 3, 3)) == "1_02_333"


def test_tnb_macro():
    space = get_space("transbench101_macro")
    assert space.size() == 3256  # TransNAS-Bench-101's macro space size
    g = to_graph("41414", "transbench101_macro")
    # 5 layers x 2 basic blocks x 2 convs, a 1x1 projection shortcut in each of the 3 changing layers, input, output
    assert g.num_nodes == 2 + 5 * 2 * 2 + 3
    assert g.ops.count("nor_conv_3x3") == 20 and g.ops.count("nor_conv_1x1") == 3
    assert g.shapes[1].stride == 2 and g.shapes[1].c_out == 2 * g.shapes[1].c_in  # code 4: stride 2, channels x2
    assert to_graph((4, 1, 4, 1, 4, 0), "transbench101_macro") == g  # NASLib pads with 0
    assert not macro_is_valid((1, 1, 1, 1))
    with pytest.raises(ArchitectureError, match="invalid TransNAS-Bench macro"):
        to_graph("1111", "transbench101_macro")


def test_nb101_pruning_and_encodings():
    matrix = [[0, 1, 1, 0, 0, 0, 0],
              [0, 0, 0, 0, 0, 0, 1],
              [0, 0, 0, 1, 0, 0, 0],  # node 2 -> node 3, and node 3 is a dead end
              [0, 0, 0, 0, 0, 0, 0],
              [0, 0, 0, 0, 0, 1, 0],  # node 4 is fed by nothing
              [0, 0, 0, 0, 0, 0, 1],
              [0, 0, 0, 0, 0, 0, 0]]
    ops = ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "conv1x1-bn-relu", "output"]
    g = to_graph({"matrix": matrix, "ops": ops}, "nasbench101")
    assert g.ops == ("input", "conv3x3-bn-relu", "output")
    flat = tuple(np.array(matrix).flatten()) + (0, 4, 3, 2, 4, 3, 1)
    assert to_graph(flat, "nasbench101") == g
    with pytest.raises(ArchitectureError, match="56"):
        to_graph(flat[:-1], "nasbench101")
    back = [row[:] for row in matrix]
    back[3][1] = 1
    with pytest.raises(ArchitectureError, match="upper-triangular"):
        to_graph({"matrix": back, "ops": ops}, "nasbench101")


def test_darts_both_cells_and_genotype_forms():
    compact = (((0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)),
               ((0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)))
    space = get_space("darts")
    g = to_graph(compact, "nasbench301")
    assert g.ops.count("input") == 4  # both inputs of both cells
    n_ops = sum(op not in ("input", "output") for op in g.ops)
    assert n_ops == 16 - 2  # 16 edges, 2 skip_connects become plain edges
    genotype = space.format(compact)
    assert genotype.startswith("Genotype(normal=[('sep_conv_5x5', 0)")
    assert to_graph(genotype, "darts") == g
    assert space.compact(genotype) == compact
    assert to_graph(str([list(c) for c in compact]), "darts") == g  # the zc json key form
    bad = list(compact[0])
    bad[0] = (3, 4)  # node 2 cannot take node 3 as input
    with pytest.raises(ArchitectureError, match="cannot take input"):
        to_graph((tuple(bad), compact[1]), "darts")
    with pytest.raises(ArchitectureError, match="8"):
        to_graph((compact[0][:7], compact[1]), "darts")


def test_darts_random_cells_are_valid():
    rng = np.random.default_rng(0)
    space = get_space("darts")
    for _ in range(50):
        arch = space.random(rng)
        for cell in arch:
            for node in range(4):
                a, b = cell[2 * node][0], cell[2 * node + 1][0]
                assert a != b and max(a, b) < node + 2
        assert to_graph(arch, "darts").is_connected


def test_darts_fast_graph_equals_the_generic_builder():
    """The DARTS graph builder's shortcut (every operator node alive) gives exactly edge_op_graph's pruned graph."""
    from tgnas_naslib.spaces.darts import NUM_INTERMEDIATE

    space = get_space("nasbench301")
    rng = np.random.default_rng(3)
    archs = [space.random(rng) for _ in range(400)]
    # inputs used twice, skips everywhere, and a cell input nothing reads
    archs.append(space.canonical(((((0, 2), (0, 2), (0, 2), (1, 2), (2, 2), (3, 2), (0, 2), (4, 2)),
                                   ((1, 2), (1, 2), (1, 2), (1, 2), (1, 2), (2, 2), (1, 2), (3, 2))))))
    for arch in archs:
        triples = [(src + r * (2 + NUM_INTERMEDIATE), 2 + k // 2 + r * (2 + NUM_INTERMEDIATE), op)
                   for r, cell in enumerate(arch) for k, (src, op) in enumerate(cell)]
        assert space.graph(arch) == space.edges_graph(triples)


@pytest.mark.parametrize("space,step", [("nasbench201", 5), ("transbench101_micro", 1)])
def test_cell_pattern_graphs_equal_the_generic_builder(space, step):
    """A cell's graph comes from its none/skip/operator pattern (worked out once); it equals edge_op_graph's."""
    adapter = get_space(space)
    for arch in list(adapter.enumerate())[::step]:
        for representation in ("prune", "ops"):
            triples = [(a, b, adapter.cell_ops[o]) for (a, b), o in zip(adapter.cell_edges, arch)]
            assert adapter.graph(arch, representation) == adapter.edges_graph(triples, representation)
