"""Multi-source training on cell graphs: pool labelled families, standardise labels per (space, task), and the
leave-family-out protocol that never trains on the family of the space a model is evaluated on.

The families are the universal recipe's (:data:`tgnas_naslib.training.universal.FAMILIES`, one vocabulary for every
recipe): ``nb101``, ``nb201`` (NB201 and TransNAS-Bench-101-micro share one 4-node, 6-edge cell with the same
operator set: one family), ``nb301`` and ``nbmacro``. ``tgnas train --families ...`` / ``--leave-out ...`` (the nb101
recipe's cell graphs) and ``experiments/transfer.py`` are built on this module.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..datasets.catalog import CATALOG
from ..graph import ArchGraph
from ..model.config import TrainConfig
from ..spaces import SPACES, to_graph
from .ensemble import finish, train_ensemble
from .pretrain import DEFAULT_CONFIG
from .universal import FAMILIES, family_name, training_families

#: the search spaces of each family's architectures (nb201: NB201 and TransNAS-Bench-101-micro)
FAMILY_SPACES: dict[str, frozenset[str]] = {family: frozenset(CATALOG[b].space for b in benches)
                                            for family, benches in FAMILIES.items()}
#: target search space -> the families a leave-family-out model must never see: the target's own design family
#: (``SearchSpace.family``)
EXCLUDED_FOR_TARGET: dict[str, frozenset[str]] = {
    name: frozenset({space.family}) for name, space in SPACES.items() if space.family in FAMILIES}
#: samples each family contributes per epoch, split evenly over its tasks (NB101's size: a 15,625-arch space
#: must not drown a 500-arch one, and seven TNB tasks must not outvote one NB101 task)
FAMILY_EPOCH_SIZE = 500


def parse_families(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"nb101,nb301"`` or a list (family names, or a space of one: ``family_name``) -> family names in the fixed
    FAMILIES order (``all``: every family)."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    if names == ["all"]:
        return tuple(FAMILIES)
    if not names:
        raise ValueError(f"no training family named; choose from {', '.join(FAMILIES)} or all")
    chosen = {family_name(n) for n in names}
    return tuple(f for f in FAMILIES if f in chosen)


def leave_family_out(target: str) -> tuple[str, ...]:
    """The families a model evaluated on ``target`` (a space, or a family) may be trained on: every family but the
    target's own."""
    return training_families(target)


@dataclass
class Pooled:
    """Training samples from several benchmarks: one graph, label and task name (= benchmark) per sample."""

    graphs: list[ArchGraph]
    y: np.ndarray
    tasks: list[str]
    spaces: list[str]
    sources: list[dict]   # per benchmark: name, file, space, task, n_archs, n_samples

    def per_task(self, family_epoch_size: int = FAMILY_EPOCH_SIZE) -> dict[str, int]:
        """Samples drawn per task each epoch: ``family_epoch_size`` split over the family's tasks."""
        out: dict[str, int] = {}
        for benches in FAMILIES.values():
            present = [b for b in benches if b in self.tasks]
            for b in present:
                out[b] = max(2, family_epoch_size // len(present))
        return out


def pool_sources(families: Sequence[str], data_dir: str | Path | None = None,
                 representation: str = "prune") -> Pooled:
    """Load every benchmark of ``families`` as graphs; equal graphs within a task merge (mean label), and
    disconnected ones (no input->output path: nothing to learn from) are dropped."""
    from ..datasets import load_benchmark

    graphs: list[ArchGraph] = []
    ys: list[float] = []
    tasks: list[str] = []
    spaces: list[str] = []
    sources = []
    for family in parse_families(list(families)):
        for name in FAMILIES[family]:
            bench = load_benchmark(name, data_dir)
            merged: dict[ArchGraph, list[float]] = {}
            for arch, y in zip(bench.archs, bench.y):
                g = to_graph(arch, bench.space, representation)
                if g.is_connected:
                    merged.setdefault(g, []).append(float(y))
            for g, labels in merged.items():
                graphs.append(g)
                ys.append(float(np.mean(labels)))
                tasks.append(name)
                spaces.append(bench.space)
            sources.append({"benchmark": name, "file": bench.source, "space": bench.space, "task": bench.task,
                            "n_archs": len(bench.archs), "n_samples": len(merged)})
    return Pooled(graphs, np.asarray(ys), tasks, spaces, sources)


def train_multisource(families: Sequence[str], data_dir: str | Path | None = None,
                      config: TrainConfig | None = None, ensemble: int = 3,
                      family_epoch_size: int = FAMILY_EPOCH_SIZE, progress: bool = False):
    """Train a seed ensemble on the pooled families; returns (TGNAS, model card) with the training data stated."""
    config = config or DEFAULT_CONFIG
    families = parse_families(list(families))
    t0 = time.time()
    pooled = pool_sources(families, data_dir, config.representation)
    per_task = pooled.per_task(family_epoch_size)
    members = train_ensemble(pooled.graphs, pooled.y, config, ensemble, progress=progress, tasks=pooled.tasks,
                             per_task=per_task)
    trained_on = {"families": list(families), "sources": pooled.sources, "label": "val_accuracy",
                  "standardisation": "per benchmark task (z-score)", "samples_per_epoch": per_task,
                  "n_archs": sum(s["n_archs"] for s in pooled.sources)}
    card = {
        "name": f"TG-NAS (multi-source: {' + '.join(families)})",
        "training_data": trained_on,
        "never_trained_on": [f for f in FAMILIES if f not in families],
    }
    return finish(members, config, {"trained_on": trained_on, "ensemble": ensemble}, card, ensemble, t0)
