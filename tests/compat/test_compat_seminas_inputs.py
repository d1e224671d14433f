"""compat.seminas_inputs: NASLib's SemiNAS / NAO training data reaches torch.LongTensor as ints."""

import numpy as np
import pytest

from conftest import NEEDS_NASLIB, compat_module, naslib_importable

fix = compat_module("seminas_inputs")


def test_int_sequences():
    seqs = [list(np.array([0, 1, 3, 6], dtype=np.float32)), [np.float32(2.0), 1]]
    out = fix.int_sequences(seqs)
    assert out == [[0, 1, 3, 6], [2, 1]] and all(type(v) is int for s in out for v in s)
    assert fix.int_sequences(None) is None


@pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)
def test_controller_dataset_gives_long_tensors():
    import torch

    torch_rejects = False
    try:
        torch.LongTensor([np.float32(1.0)])
    except TypeError:
        torch_rejects = True
    assert torch_rejects  # what the fix is for (torch 2)
    from naslib.predictors.seminas import ControllerDataset, convert_arch_to_seq
    from naslib.search_spaces import get_search_space
    from naslib.search_spaces.nasbench201.encodings import encode_seminas_nasbench201

    import tgnas_naslib.naslib  # noqa: F401  (applies the fix)

    ss = get_search_space("nasbench201", "cifar10")
    ss.instantiate_model = False
    g = ss.clone()
    g.set_spec((2, 2, 0, 2, 2, 2))
    enc = encode_seminas_nasbench201(g)  # as NASLib's SemiNASPredictor.fit builds its training data
    seq = convert_arch_to_seq(enc["adjacency"], enc["operations"])
    assert any(isinstance(v, np.float32) for v in seq)
    sample = ControllerDataset([seq], [0.5], train=True)[0]
    assert sample["encoder_input"].dtype == torch.int64 and len(sample["encoder_input"]) == len(seq)
