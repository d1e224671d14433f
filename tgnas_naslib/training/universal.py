"""The universal recipe: train one TG-NAS model on every labelled family at once, on whole-network graphs.

Families are groups of benchmarks whose architectures share a design, so that leaving one out really tests
transfer to an unseen design (leave-family-out, LFO):

* ``nb101``: NAS-Bench-101 (500 labelled cells);
* ``nb201``: the NAS-Bench-201 cell family, NB201 on CIFAR-10 / CIFAR-100 / ImageNet16-120 and the seven
  TransNAS-Bench-101-micro tasks (one 4-node cell design with the same operators);
* ``nb301``: NAS-Bench-301 / DARTS (500 labelled genotypes);
* ``nbmacro``: NAS-Bench-Macro (6,561 MobileNetV2-style macro networks).

Every benchmark is one task: labels are z-scored per task, equal graphs within a task merge, every mini-batch
holds one task (the pairwise ranking loss only compares networks measured on the same benchmark) and each family
contributes the same number of samples per epoch, split over its tasks (15,625 NB201 cells do not drown 500 NB101
ones). ``tgnas train --recipe universal --leave-out FAMILY`` trains the LFO model of a family with this recipe.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..datasets.catalog import NB201_TASKS, TNB_MICRO_TASKS
from ..graph import ArchGraph
from ..model.config import TrainConfig
from ..spaces import SPACES, get_space, to_graph
from .ensemble import finish, train_ensemble

#: labelled training families -> their benchmarks (catalog names, one task each)
FAMILIES: dict[str, tuple[str, ...]] = {
    "nb101": ("nb101_500",),
    "nb201": (*(f"nb201_{t}_15625" for t in NB201_TASKS), *(f"tnb101_micro_{t}_4096" for t in TNB_MICRO_TASKS)),
    "nb301": ("nb301_500",),
    "nbmacro": ("nbmacro_cifar10_6561",),
}
#: samples each family contributes per epoch, split evenly over its tasks
FAMILY_EPOCH_SIZE = 500
#: the seed of ``hold_out`` draws (fixed, so a held-out set can be named and re-drawn by anyone)
HOLD_OUT_SEED = 0

#: The universal recipe, selected by the leave-family-out protocol of docs/universal.md (round 2, candidate
#: "noinst", criterion .644; experiments/universal.py --round 2): whole-network graphs, composed layer-part embeddings,
#: scale-free node features (what a layer does, its share of the cost, how far the input has been downsampled), the
#: network's size and depth as a linear term, mean + sum readout, pairwise ranking loss per task.
UNIVERSAL_CONFIG = TrainConfig(representation="network", loss="rank", shape_features="network-noinst",
                               readout="mean+sum", epochs=80, lr_step=30, hidden=64)
#: seeds per model: the selection rounds judged 2-seed ensembles, so the shipped and table models are exactly that
UNIVERSAL_ENSEMBLE = 2

#: The hierarchical recipe (issue 26; docs/hierarchical.md, experiments/hier.py): skeletons of blocks whose chains of
#: layers are merged, each block graph embedded once, a non-negative structure term and a per-block size term per
#: block, plus the network's log10 FLOPs at a weight of at least 1 (cost as a prior); the structure term pays for its
#: spread (0.3 x its within-batch variance), so it deviates from the size prior only where that ranks better;
#: pairwise ranking loss per task, balanced families. Chosen by the development rounds of docs/hierarchical.md.
HIER_CONFIG = TrainConfig(representation="skeleton", loss="rank", epochs=40, lr=1e-3, weight_decay=1e-4,
                          hidden=64, layers=3, batch_size=32, size_terms="flops", chain=True, block_size=True,
                          size_floor=1.0, structure_penalty=0.3)
#: members per hierarchical model (each family number is judged on independent draws of ensembles of this size)
HIER_ENSEMBLE = 2
#: how each recipe was chosen (written into its models' cards)
SELECTION = {
    "universal": "docs/universal.md: the mean of the four families' leave-family-out means (declared before the "
                 "first run); no benchmark-specific switch",
    "hier": "docs/hierarchical.md: the mean of the four families' leave-family-out means over 3 draws (declared "
            "before each round), development rounds 0-8, confirmed by round 2 of experiments/hier.py; no "
            "benchmark-specific switch",
}
#: the multi-family recipes by name: (config, ensemble size)
RECIPES = {"universal": (UNIVERSAL_CONFIG, UNIVERSAL_ENSEMBLE), "hier": (HIER_CONFIG, HIER_ENSEMBLE)}


def family_name(text: str) -> str:
    """A family by its name or by one of its spaces' names or aliases (``nb201``, ``transbench101_micro``,
    ``darts``...): a space's family is the one its adapter declares (``SearchSpace.family``)."""
    key = str(text).strip().lower()
    if key not in FAMILIES:
        try:
            key = get_space(key).family
        except ValueError:
            pass
    if key not in FAMILIES:
        spaces = ", ".join(s.name for s in SPACES.values() if s.family in FAMILIES)
        raise ValueError(f"unknown family {text!r}; choose from {', '.join(FAMILIES)} (or a space of one: {spaces})")
    return key


def training_families(leave_out: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """Every family except those left out (in the fixed FAMILIES order)."""
    if leave_out is None:
        out: set[str] = set()
    elif isinstance(leave_out, str):
        out = {family_name(f) for f in leave_out.split(",") if f.strip()}
    else:
        out = {family_name(f) for f in leave_out}
    return tuple(f for f in FAMILIES if f not in out)


@dataclass
class Pool:
    """Training samples of several families: per sample its graph, label, task (benchmark) and family."""

    graphs: list[ArchGraph]
    y: np.ndarray
    tasks: list[str]
    families: list[str]
    sources: list[dict]

    def per_task(self, family_epoch_size: int = FAMILY_EPOCH_SIZE) -> dict[str, int]:
        """Samples drawn per task each epoch: ``family_epoch_size`` split evenly over the family's tasks."""
        out: dict[str, int] = {}
        for family in dict.fromkeys(self.families):
            tasks = [s["benchmark"] for s in self.sources if s["family"] == family]
            for task in tasks:
                out[task] = max(2, family_epoch_size // len(tasks))
        return out


def network_graphs(archs: Sequence, space: str) -> list[ArchGraph]:
    """Whole-network graphs of a benchmark's architectures (memoised per architecture)."""
    return [to_graph(a, space, "network") for a in archs]


def held_out_indices(n_archs: int, count: int, seed: int = HOLD_OUT_SEED) -> list[int]:
    """The architectures of a benchmark kept out of training by ``hold_out`` (a fixed seeded draw, sorted)."""
    if not 0 < count < n_archs:
        raise ValueError(f"cannot hold out {count} of {n_archs} architectures (give 1..{n_archs - 1})")
    return sorted(np.random.default_rng(seed).choice(n_archs, size=count, replace=False).tolist())


def parse_hold_out(text: str | None) -> dict[str, int]:
    """``nb101_500:100[,BENCH:N]`` -> {benchmark: count} (benchmarks of the training families)."""
    out: dict[str, int] = {}
    known = {b for names in FAMILIES.values() for b in names}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, count = part.strip().partition(":")
        if name not in known:
            raise ValueError(f"--hold-out: unknown benchmark {name!r}; choose from {', '.join(sorted(known))}")
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"--hold-out {part.strip()!r}: say BENCHMARK:COUNT with a positive count")
        out[name] = int(count)
    return out


def pool_families(families: Sequence[str], data_dir: str | Path | None = None,
                  graphs_for: Callable[[Sequence, str], list[ArchGraph]] = network_graphs,
                  representation: str = "network", hold_out: dict[str, int] | None = None) -> Pool:
    """Load every benchmark of ``families``; within a task, equal graphs merge (mean label) and architectures with
    no input->output path (nothing to learn from) are dropped. ``hold_out`` {benchmark: count} keeps a seeded draw
    of a benchmark's architectures out of training (recorded in the sources as ``held_out``), and every other
    architecture of the same graph with them (no equal-graph leak)."""
    from ..datasets import load_benchmark

    hold_out = dict(hold_out or {})
    unknown = set(hold_out) - {b for f in families for b in FAMILIES[family_name(f)]}
    if unknown:
        raise ValueError(f"--hold-out names {', '.join(sorted(unknown))}, not a benchmark of the training families")

    graphs: list[ArchGraph] = []
    ys: list[float] = []
    tasks: list[str] = []
    fams: list[str] = []
    sources = []
    for family in families:
        for name in FAMILIES[family_name(family)]:
            bench = load_benchmark(name, data_dir)
            built = (graphs_for(bench.archs, bench.space) if representation == "network"
                     else [to_graph(a, bench.space, representation) for a in bench.archs])
            held = held_out_indices(len(bench.archs), hold_out[name]) if name in hold_out else []
            held_graphs = {built[i] for i in held}
            merged: dict[ArchGraph, list[float]] = {}
            for g, y in zip(built, bench.y):
                if g.is_connected and g not in held_graphs:
                    merged.setdefault(g, []).append(float(y))
            for g, labels in merged.items():
                graphs.append(g)
                ys.append(float(np.mean(labels)))
                tasks.append(name)
                fams.append(family)
            sources.append({"family": family, "benchmark": name, "file": bench.source, "space": bench.space,
                            "task": bench.task, "n_archs": len(bench.archs), "n_samples": len(merged),
                            **({"held_out": held, "held_out_seed": HOLD_OUT_SEED} if held else {})})
    return Pool(graphs, np.asarray(ys), tasks, fams, sources)


def train_members(pool: Pool, config: TrainConfig, ensemble: int, family_epoch_size: int = FAMILY_EPOCH_SIZE,
                  progress: bool = False) -> list:
    """A seed ensemble trained on the pool with per-task batches and balanced families."""
    return train_ensemble(pool.graphs, pool.y, config, ensemble, progress=progress, tasks=pool.tasks,
                          per_task=pool.per_task(family_epoch_size))


def train_universal(leave_out: str | Sequence[str] | None = None, data_dir: str | Path | None = None,
                    config: TrainConfig = UNIVERSAL_CONFIG, ensemble: int = UNIVERSAL_ENSEMBLE,
                    family_epoch_size: int = FAMILY_EPOCH_SIZE, progress: bool = False,
                    graphs_for: Callable[[Sequence, str], list[ArchGraph]] = network_graphs,
                    recipe: str = "universal", hold_out: dict[str, int] | None = None):
    """Train the recipe on every family but ``leave_out``; returns (TGNAS, model card) naming the training data."""
    families = training_families(leave_out)
    if not families:
        raise ValueError("leaving out every family leaves nothing to train on")
    t0 = time.time()
    pool = pool_families(families, data_dir, graphs_for, config.representation, hold_out)
    members = train_members(pool, config, ensemble, family_epoch_size, progress)
    left_out = [f for f in FAMILIES if f not in families]
    trained_on = {"families": list(families), "sources": pool.sources, "label": "validation accuracy (NB-Macro: "
                  "mean test accuracy of 3 runs); TNB101 tasks: their own metric, higher is better",
                  "standardisation": "per benchmark task (z-score)",
                  "samples_per_epoch": pool.per_task(family_epoch_size),
                  "n_archs": sum(s["n_archs"] for s in pool.sources), "recipe": recipe}
    card = {
        "name": f"TG-NAS {recipe} ({' + '.join(families)}"
                + (f"; leave-family-out for {', '.join(left_out)})" if left_out else ")"),
        "recipe": recipe,
        "training_families": list(families),
        "never_trained_on": left_out,
        "training_data": trained_on,
        "selection": SELECTION.get(recipe, "not a selected recipe (settings given by its caller)"),
        "family_epoch_size": family_epoch_size,
        "embedder": config.embedder().config,
    }
    return finish(members, config, {"trained_on": trained_on, "ensemble": ensemble, "left_out": left_out}, card,
                  ensemble, t0)
