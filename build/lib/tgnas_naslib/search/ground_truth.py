"""Ground truth for a found architecture, looked up AFTER a search (searchers never see it).

NB201: NASLib validation accuracy on cifar10 / cifar100 / ImageNet16-120 and the rank among all 15,625;
TNB101-micro: the 7 tasks' metrics and the rank among 4,096; NB301: only if the cell is one of the 500 labelled.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

from ..datasets import load_benchmark
from ..datasets.catalog import NB201_TASKS, TNB_MICRO_TASKS
from ..paths import MissingDataError
from ..spaces import get_space

#: space -> (task, catalog benchmark name) pairs
BENCHMARKS: dict[str, tuple[tuple[str, str], ...]] = {
    "nasbench201": tuple((t, f"nb201_{t}_15625") for t in NB201_TASKS),
    "transbench101_micro": tuple((t, f"tnb101_micro_{t}_4096") for t in TNB_MICRO_TASKS),
    "nasbench301": (("cifar10", "nb301_500"),),
}


def rank_of(value: float, values: np.ndarray) -> int:
    """1 + how many of ``values`` are strictly better (higher); NaNs are ignored."""
    return int(np.sum(values[~np.isnan(values)] > value)) + 1


@lru_cache(maxsize=32)
def _table(space: str, name: str, data_dir: str | None) -> tuple[dict, np.ndarray]:
    """(canonical arch -> row, labels) of one benchmark."""
    adapter = get_space(space)
    bench = load_benchmark(name, data_dir)
    return {adapter.canonical(a): i for i, a in enumerate(bench.archs)}, bench.y


def lookup(space: Any, arch: Any, data_dir: str | os.PathLike | None = None) -> dict:
    """``{"tasks": {task: {"val_accuracy", "rank", "n", "top_percent"}}, "note": ...}`` for one architecture.

    ``tasks`` is empty when the data directory lacks the files (the note names the missing file) or, for NB301,
    when the cell is not among the labelled ones.
    """
    adapter = get_space(space)
    key = adapter.canonical(arch)
    tasks: dict[str, dict] = {}
    try:
        for task, name in BENCHMARKS.get(adapter.name, ()):
            index, y = _table(adapter.name, name, None if data_dir is None else str(data_dir))
            if key not in index or np.isnan(y[index[key]]):
                continue
            value = float(y[index[key]])
            rank, n = rank_of(value, y), int(np.sum(~np.isnan(y)))
            tasks[task] = {"val_accuracy": value, "rank": rank, "n": n, "top_percent": round(100.0 * rank / n, 3),
                           "best": float(np.nanmax(y))}
    except MissingDataError as exc:
        return {"tasks": {}, "note": f"ground truth not available: {str(exc).splitlines()[0]}"}
    if adapter.name not in BENCHMARKS:
        note = f"no ground truth for {adapter.name}"
    elif not tasks:
        note = "the architecture is not among the labelled ones (NB301: 500 labelled cells only)"
    else:
        note = "NASLib / NAS-Bench-Suite-Zero validation metrics (higher is better), looked up after the search"
        if adapter.name == "transbench101_micro":
            note += "; autoencoder/normal are SSIM, room_layout a negative L2 loss"
    return {"tasks": tasks, "note": note}
