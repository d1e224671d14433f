"""Fix: NASLib's SemiNAS / NAO predictors give torch numpy ``float32`` scalars where it needs integers.

Evidence: ``naslib/search_spaces/nasbench201/encodings.py::encode_seminas_nasbench201`` (and the other spaces'
SemiNAS encodings) build the architecture sequence from a ``float32`` adjacency matrix, so the sequences hold
``np.float32`` values; ``naslib/predictors/seminas.py::ControllerDataset.__getitem__`` (and
``omni_seminas.py``'s) turns them into ``torch.LongTensor(encoder_input)``, which torch 2 refuses:
``TypeError: 'numpy.float32' object cannot be interpreted as an integer`` (``predictor: nao`` / ``seminas``
stop in their first training step).
Fix: ``ControllerDataset`` stores each input sequence as Python ints (the values are whole numbers: op ids
and 0/1 adjacency entries), so ``torch.LongTensor`` gets what it accepts.
"""

from __future__ import annotations

import functools
from typing import Any

from tgnas_naslib.extras import optional

from ._marker import MARK, is_ours

#: NASLib modules with a ``ControllerDataset`` fed float32 sequences
NASLIB_SEMINAS_MODULES = ("naslib.predictors.seminas", "naslib.predictors.omni_seminas")


def int_sequences(inputs: Any) -> Any:
    """Each sequence of ``inputs`` as a list of Python ints (None stays None)."""
    if inputs is None:
        return None
    return [[int(v) for v in seq] for seq in inputs]


def _init(original):
    @functools.wraps(original)
    def __init__(self, inputs, *args: Any, **kwargs: Any):
        original(self, int_sequences(inputs), *args, **kwargs)

    setattr(__init__, MARK, True)
    return __init__


def patch_naslib_seminas() -> list[str]:
    """Install the conversion in the ``ControllerDataset`` of each importable module (idempotent)."""
    done = []
    for name in NASLIB_SEMINAS_MODULES:
        cls = getattr(optional(name, broken=True), "ControllerDataset", None)
        if cls is None:
            continue
        if not is_ours(cls.__dict__.get("__init__")):
            cls.__init__ = _init(cls.__init__)
        done.append(name)
    return done
