"""TGNAS.pretrained as the README documents it: the model name first, the device as a keyword, one-line errors."""

import numpy as np
import pytest
import torch

from tgnas_naslib import TGNAS
from tgnas_naslib.api import PRETRAINED_MODELS

BEST = (2, 2, 0, 2, 2, 2)


def test_name_is_the_first_argument():
    text = TGNAS.pretrained("nb101-text")  # the README's call
    assert text.config.to_dict() == TGNAS.pretrained(name="nb101-text").config.to_dict()
    assert text.config.to_dict() != TGNAS.pretrained().config.to_dict()
    same = TGNAS.pretrained("nb101-text", device="cpu").score([BEST], space="nasbench201")
    np.testing.assert_allclose(text.score([BEST], space="nasbench201"), same)


@pytest.mark.parametrize("device", ["cpu", "cuda", "cuda:1", torch.device("cpu")])
def test_a_device_passed_as_the_name_is_named_in_one_line(device):
    with pytest.raises(ValueError) as info:
        TGNAS.pretrained(device)
    msg = str(info.value)
    assert "\n" not in msg and "unknown pretrained model" in msg
    assert f"pass it as device={str(device)!r}" in msg
    assert all(name in msg for name in PRETRAINED_MODELS)


def test_unknown_name_lists_the_shipped_ones():
    with pytest.raises(ValueError, match=r"^no shipped model or checkpoint named 'nb999': choose from .*nb101-text, "):
        TGNAS.pretrained("nb999")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this torch has a CUDA device")
def test_cuda_on_a_cpu_only_torch_is_one_line():
    for device in ("cuda", torch.device("cuda:0")):
        with pytest.raises(ValueError, match=r"^device='cuda(:0)?': no CUDA device is available to this torch .*; "
                                             r"use device='cpu'$"):
            TGNAS.pretrained(device=device)


def test_a_bad_device_string_is_one_line():
    with pytest.raises(ValueError, match=r"^device='gpu0' is not a torch device"):
        TGNAS.pretrained(device="gpu0")
