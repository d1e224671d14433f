"""compat.numpy_compat: np.array over networkx graphs (numpy >= 1.24) and np.sum(generator) (numpy >= 2.4)."""

import numpy as np
import pytest

from conftest import compat_module

fix = compat_module("numpy_compat")


def test_sums_generators():
    cnp = fix.CompatNumpy()
    with pytest.raises(TypeError):  # numpy >= 2.4; NASLib's count_parameters_in_MB does exactly this
        np.sum(x for x in (1, 2, 3))
    assert cnp.sum(x for x in (1, 2, 3)) == 6
    rows = cnp.sum((np.array([1.0, 2.0]) * k for k in (1, 2)), axis=0)  # wl_kernel: a sum of arrays
    assert np.array_equal(rows, [3.0, 6.0])
    assert cnp.sum(np.ones((2, 3)), axis=0).tolist() == [2.0, 2.0, 2.0]  # arrays: numpy's own sum


def test_arrays_of_networkx_graphs():
    nx = pytest.importorskip("networkx",
                             reason="networkx is one of NASLib's dependencies (scripts/setup_naslib.sh)")
    cnp = fix.CompatNumpy()
    graphs = [nx.DiGraph([(0, 1)]), nx.DiGraph([(0, 1), (1, 2)]), nx.DiGraph()]
    with pytest.raises(ValueError):  # what NASLib's GPWL hits with plain numpy >= 1.24
        np.array(graphs[:2])
    arr = cnp.array(graphs)
    assert arr.shape == (3,) and arr.dtype == object and arr[1] is graphs[1]
    two = cnp.array([graphs, graphs[::-1]])  # DARTS: (normal, reduce) x N
    assert two.shape == (2, 3) and two[1, 0] is graphs[2]
    assert cnp.array([1, 2]).dtype.kind == "i" and cnp.zeros(2).shape == (2,)  # everything else: numpy
    assert cnp.asarray(graphs).shape == (3,)
