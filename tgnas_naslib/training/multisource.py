"""Multi-source training: pool every labelled space, standardise labels per (space, task), and the
leave-family-out protocol that never trains on the family of the space a model is evaluated on.

Families group benchmarks whose architectures come from the same cell design: NB201 and TransNAS-Bench-101
micro share one 4-node, 6-edge cell with the same operator set, so a NB201 target drops both, and so does a
TNB101-micro target. ``tgnas train --sources ...`` and ``benchmarks/transfer.py`` are built on this module.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..datasets.catalog import CATALOG, NB201_TASKS, TNB_MICRO_TASKS
from ..graph import ArchGraph
from ..model.config import TrainConfig
from ..spaces import get_space, to_graph
from .ensemble import finish, train_ensemble
from .pretrain import DEFAULT_CONFIG

#: labelled training sources: family -> catalog benchmarks (one per task)
FAMILIES: dict[str, tuple[str, ...]] = {
    "nb101": ("nb101_500",),
    "nb201": tuple(f"nb201_{t}_15625" for t in NB201_TASKS),
    "nb301": ("nb301_500",),
    "tnb101_micro": tuple(f"tnb101_micro_{t}_4096" for t in TNB_MICRO_TASKS),
}
#: the search space of each family's architectures
FAMILY_SPACE = {family: CATALOG[benches[0]].space for family, benches in FAMILIES.items()}
#: target search space -> sources a leave-family-out model must never see: those whose space is of the target's
#: design family (``SearchSpace.family``: NB201 and TransNAS-Bench-101-micro share one cell)
EXCLUDED_FOR_TARGET: dict[str, frozenset[str]] = {
    space: frozenset(f for f, s in FAMILY_SPACE.items() if get_space(s).family == get_space(space).family)
    for space in dict.fromkeys(FAMILY_SPACE.values())
}
#: samples each family contributes per epoch, split evenly over its tasks (NB101's size: a 15,625-arch space
#: must not drown a 500-arch one, and seven TNB tasks must not outvote one NB101 task)
FAMILY_EPOCH_SIZE = 500


def parse_families(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"nb101,nb301"`` or a list -> validated family names in a fixed order (``all``: every family)."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    if names == ["all"]:
        return tuple(FAMILIES)
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        raise ValueError(f"unknown training source(s) {unknown or names}; choose from {', '.join(FAMILIES)} or all")
    return tuple(f for f in FAMILIES if f in names)


def leave_family_out(target_space: str) -> tuple[str, ...]:
    """The families a model evaluated on ``target_space`` may be trained on (everything but its family)."""
    if target_space not in EXCLUDED_FOR_TARGET:
        raise ValueError(f"no leave-family-out rule for target space {target_space!r}; "
                         f"known: {', '.join(EXCLUDED_FOR_TARGET)}")
    return tuple(f for f in FAMILIES if f not in EXCLUDED_FOR_TARGET[target_space])


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
