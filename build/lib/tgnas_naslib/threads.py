"""Torch thread control for small workloads (tiny batches, one traced forward pass)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the previous setting.

    On a busy 2-core machine, small batches ran 20-100x slower with 2 threads than with 1 (synchronisation only).
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
