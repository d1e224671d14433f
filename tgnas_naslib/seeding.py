"""``seed_everything``: one seed for python, numpy and torch (a low module: embedding and model both use it)."""

from __future__ import annotations

import random

import numpy as np


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (training is deterministic for a seed on CPU)."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
