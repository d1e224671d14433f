"""The loop every training recipe shares: a seed ensemble, the public TGNAS object and its model card."""

from __future__ import annotations

import platform
import time
from typing import Any, Sequence

import numpy as np

from .. import __version__
from ..api import TGNAS
from ..graph import ArchGraph
from ..model.config import TrainConfig
from ..model.train import train_gcn


def seeds(config: TrainConfig, ensemble: int) -> list[int]:
    """The members' seeds: ``config.seed`` + k for k < ``ensemble``."""
    return [config.seed + k for k in range(ensemble)]


def train_ensemble(graphs: Sequence[ArchGraph], y: np.ndarray, config: TrainConfig, ensemble: int,
                   progress: bool = False, **train_kw: Any) -> list:
    """A seed ensemble: one member per seed of :func:`seeds` (``train_kw``: tasks, per_task...), trained by
    ``train_gcn`` or, for skeletons, ``train_hier``."""
    if ensemble < 1:
        raise ValueError(f"an ensemble needs at least one member, got {ensemble}")
    if config.hierarchical:
        from ..model.hier import train_hier as train_member
    else:
        train_member = train_gcn
    return [train_member(graphs, y, TrainConfig.from_dict({**config.to_dict(), "seed": seed}), progress=progress,
                         **train_kw)
            for seed in seeds(config, ensemble)]


def versions(**extra: str) -> dict[str, str]:
    """The versions a model card records: tgnas_naslib, torch, python (and ``extra``)."""
    import torch

    return {"tgnas_naslib": __version__, "torch": torch.__version__, **extra,
            "python": platform.python_version()}


def finish(members: list, config: TrainConfig, meta: dict, card: dict, ensemble: int, t0: float,
           extra_versions: dict[str, str] | None = None) -> tuple[TGNAS, dict]:
    """The TGNAS of ``members`` with ``meta``, and ``card`` completed with what every recipe's card states:
    hyperparameters, ensemble seeds, versions and training time (keys already in ``card`` are kept)."""
    model = TGNAS(members, config, meta=meta)
    card = {**card}
    card.setdefault("hyperparameters", config.to_dict())
    card.setdefault("ensemble_seeds", seeds(config, ensemble))
    card.setdefault("versions", versions(**(extra_versions or {})))
    card["train_seconds"] = round(time.time() - t0, 1)
    return model, card
