"""ArchGraph validation and pruning."""

import numpy as np
import pytest

from tgnas_naslib.graph import ArchGraph, ArchitectureError, edge_op_graph


def test_valid_chain():
    g = ArchGraph(("input", "conv", "output"), ((0, 1), (1, 2)))
    assert g.is_connected and g.num_nodes == 3
    assert g.adjacency.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert g.topological_order == (0, 1, 2)


def test_cycle_is_refused():
    with pytest.raises(ArchitectureError, match="cycle"):
        ArchGraph(("input", "a", "b", "output"), ((0, 1), (1, 2), (2, 1), (2, 3)))
    with pytest.raises(ArchitectureError, match="cycle"):
        ArchGraph.from_adjacency([[0, 1, 0], [0, 0, 1], [0, 1, 0]], ["input", "a", "output"])


def test_structural_errors_name_the_problem():
    with pytest.raises(ArchitectureError, match="empty operator"):
        ArchGraph(("input", " ", "output"), ((0, 1), (1, 2)))
    with pytest.raises(ArchitectureError, match="no 'input'"):
        ArchGraph(("a", "output"), ((0, 1),))
    with pytest.raises(ArchitectureError, match="exactly one 'output'"):
        ArchGraph(("input", "output", "output"), ((0, 1), (0, 2)))
    with pytest.raises(ArchitectureError, match="outside"):
        ArchGraph(("input", "output"), ((0, 5),))
    with pytest.raises(ArchitectureError, match="no input->output path"):
        ArchGraph(("input", "dead", "output"), ((0, 2),))
    with pytest.raises(ArchitectureError, match="square"):
        ArchGraph.from_adjacency(np.zeros((2, 3)), ["input", "output"])


def test_build_prunes_dead_nodes_and_keeps_valid_part():
    # node 2 feeds nothing, node 3 is fed by nothing
    g = ArchGraph.build(["input", "a", "dead_end", "orphan", "output"], [(0, 1), (1, 4), (0, 2), (3, 4)])
    assert g.ops == ("input", "a", "output")
    assert g.edges == ((0, 1), (1, 2))


def test_no_path_gives_the_disconnected_graph():
    g = ArchGraph.build(["input", "a", "output"], [(0, 1)])
    assert not g.is_connected
    assert g == ArchGraph.disconnected()


def test_roundtrip_dict():
    g = ArchGraph(("input", "input", "x", "output"), ((0, 2), (1, 2), (2, 3)), "nasbench301")
    assert ArchGraph.from_dict(g.to_dict()) == g
    with pytest.raises(ArchitectureError, match="not an architecture-graph dict"):
        ArchGraph.from_dict({"ops": ["input"]})


def test_edge_op_graph_semantics():
    # 0 -a-> 1 -b-> 2(out): a feeds b, b feeds output
    g = edge_op_graph(3, [(0, 1, "a"), (1, 2, "b")], [0], 2, "x")
    assert g.ops == ("input", "output", "a", "b") and set(g.edges) == {(0, 2), (2, 3), (3, 1)}
    # skip becomes an edge, none is dropped
    g = edge_op_graph(3, [(0, 1, "skip"), (1, 2, "b"), (0, 2, "none")], [0], 2, "x",
                      none_ops=frozenset({"none"}), skip_ops=frozenset({"skip"}))
    assert g.ops == ("input", "output", "b") and set(g.edges) == {(0, 2), (2, 1)}


def test_wl_hash_groups_isomorphic_graphs():
    a = ArchGraph(("input", "x", "y", "output"), ((0, 1), (0, 2), (1, 3), (2, 3)))
    b = ArchGraph(("input", "y", "x", "output"), ((0, 1), (0, 2), (1, 3), (2, 3)))
    c = ArchGraph(("input", "x", "x", "output"), ((0, 1), (0, 2), (1, 3), (2, 3)))
    assert a.wl_hash() == b.wl_hash() != c.wl_hash()
