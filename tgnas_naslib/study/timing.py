"""Seconds per architecture. The headline (:func:`side_by_side`): NASLib's proxies and TG-NAS measured in one run,
in one process on this machine, on the same architectures, TG-NAS both one arch per call and batched.

Second, labelled as such: the proxies' stored per-arch times next to TG-NAS's here. The NAS-Bench-Suite-Zero result
zips store ``{"score", "time"}`` per proxy and architecture; those times were measured on NASLib's machines (GPU),
not on this CPU, so those ratios compare different hardware.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass

import numpy as np

from ..datasets import load_benchmark
from ..datasets.catalog import NB201_TASKS
from ..datasets.catalog import TNB_MICRO_TASKS as _TNB
from ..paths import MissingDataError

#: (proxy, search space, catalog benchmarks whose records store the proxy's per-arch time)
STORED_TIME_SOURCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("zen", "nasbench201", tuple(f"nb201_{t}_15625" for t in NB201_TASKS)),
    ("zen", "transbench101_micro", tuple(f"tnb101_micro_{t}_4096" for t in _TNB)),
    ("synflow", "transbench101_micro", tuple(f"tnb101_micro_{t}_zc" for t in _TNB)),
    ("epe_nas", "transbench101_micro", tuple(f"tnb101_micro_{t}_zc" for t in _TNB)),
    ("fisher", "transbench101_micro", tuple(f"tnb101_micro_{t}_zc" for t in _TNB)),
    ("zen", "nasbench301", ("nb301_zen_11221",)),
    ("nwot", "nasbench301", ("nb301_nwot_11221",)),
    ("zen", "nasbench101", ("nb101_zen_10250",)),
)

HARDWARE_NOTE = ("stored proxy times were measured by NAS-Bench-Suite-Zero on NASLib's machines (GPU), "
                 "TG-NAS times on this machine's CPU: the ratios compare different hardware")


@dataclass
class TimingRow:
    proxy: str
    space: str
    where: str  # "stored (NASLib, GPU)" | "live (this CPU)"
    n_archs: int
    median_s: float
    mean_s: float
    tgnas_same_space_s: float
    ratio_same_space: float  # proxy median / TG-NAS per-arch on the same space
    ratio_vs_nb201: float  # proxy median / TG-NAS per-arch on NB201
    source: str = ""

    def as_row(self) -> dict:
        return asdict(self)


def time_tgnas(model, archs: list, space: str, repeats: int = 3) -> dict:
    """Seconds per architecture for scoring ``archs`` in one batch, from the encodings (graphs built each time:
    the graph cache is cleared before every repeat); median over ``repeats``."""
    from .. import spaces

    runs = []
    for _ in range(max(1, repeats)):
        clear = getattr(getattr(spaces, "_cached_graph", None), "cache_clear", None)
        if clear:
            clear()
        t = time.perf_counter()
        model.score(archs, space=space)
        runs.append(time.perf_counter() - t)
    sec = statistics.median(runs)
    return {"space": space, "n": len(archs), "seconds": sec, "per_arch": sec / max(1, len(archs)), "runs": runs}


def tgnas_archs_for(space: str, data_dir) -> list:
    """The architectures TG-NAS is timed on per space: the whole space where it is enumerable (NB201, TNB101
    micro and macro, NAS-Bench-Macro), else the archs of the stored-time file (NB301 11,221, NB101 10,250)."""
    from ..spaces import get_space

    adapter = get_space(space)
    if adapter.size() is not None:  # enumerable
        return list(adapter.enumerate())
    name = {"nasbench301": "nb301_zen_11221", "nasbench101": "nb101_zen_10250"}[space]
    return load_benchmark(name, data_dir).archs


def stored_times(spaces: set[str], data_dir, log=print) -> list[dict]:
    """Per (proxy, space): per-arch stored times pooled over the listed files (finite, > 0 only)."""
    out = []
    for proxy, space, names in STORED_TIME_SOURCES:
        if space not in spaces:
            continue
        times, used = [], []
        for name in names:
            try:
                b = load_benchmark(name, data_dir)
            except MissingDataError as exc:
                log(f"  timing: skipping {name} ({str(exc).splitlines()[0]})")
                continue
            if proxy not in b.proxy_names:
                continue
            t = b.proxy_time(proxy)
            t = t[np.isfinite(t) & (t > 0)]
            if len(t):
                times.append(t)
                used.append(name)
        if times:
            t = np.concatenate(times)
            out.append({"proxy": proxy, "space": space, "times": t, "source": " + ".join(used)})
    return out


def ratio_rows(stored: list[dict], tgnas: dict[str, dict], live: list[dict] | None = None) -> list[TimingRow]:
    """One row per stored / live proxy timing with its ratio to TG-NAS (same space and NB201)."""
    nb201 = tgnas.get("nasbench201", {}).get("per_arch", float("nan"))
    rows = []
    for s in stored:
        same = tgnas.get(s["space"], {}).get("per_arch", float("nan"))
        med = float(np.median(s["times"]))
        rows.append(TimingRow(s["proxy"], s["space"], "stored (NASLib, GPU)", len(s["times"]), med,
                              float(np.mean(s["times"])), same, med / same, med / nb201, s["source"]))
    for s in live or []:
        med = float(np.median(s["times"]))
        rows.append(TimingRow(s["proxy"], "nasbench201", "live (this CPU)", len(s["times"]), med,
                              float(np.mean(s["times"])), nb201, med / nb201, med / nb201, s["source"]))
    return rows


def format_table(rows: list[TimingRow], tgnas: dict[str, dict]) -> str:
    """The ratio table as text."""
    lines = ["TG-NAS seconds per architecture (one batch on this CPU, graphs built from the encodings; NB201 "
             "median of 3 runs, other spaces one run):"]
    for space, t in tgnas.items():
        lines.append(f"  {space:<20} {t['per_arch'] * 1e3:8.4f} ms/arch  ({t['n']} archs in {t['seconds']:.2f} s)")
    lines.append("")
    lines.append(f"{'proxy':<9} {'space':<20} {'where':<21} {'n':>6} {'median s/arch':>13} {'TG-NAS s/arch':>13} "
                 f"{'ratio':>8} {'vs NB201':>9}")
    for r in rows:
        lines.append(f"{r.proxy:<9} {r.space:<20} {r.where:<21} {r.n_archs:>6} {r.median_s:>13.4f} "
                     f"{r.tgnas_same_space_s:>13.6f} {r.ratio_same_space:>7.0f}x {r.ratio_vs_nb201:>8.0f}x")
    lines.append("ratio = proxy median seconds per arch / TG-NAS seconds per arch on the same space; "
                 "'vs NB201' uses TG-NAS's NB201 time.")
    lines.append("Note: " + HARDWARE_NOTE + ".")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------------
# the headline: same run, same machine, same archs
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class SideBySideRow:
    proxy: str
    space: str
    n_archs: int
    proxy_s: float  # median seconds per arch, NASLib ZeroCost on this machine, this run
    tgnas_per_arch_s: float  # TG-NAS, one arch per call (median over the same archs)
    tgnas_batched_s: float  # TG-NAS, all the archs in one call, divided by their number
    ratio_per_arch: float  # proxy_s / tgnas_per_arch_s
    ratio_batched: float  # proxy_s / tgnas_batched_s
    stored_gpu_s: float  # stored NASLib per-arch time of this proxy on this space (GPU, other hardware); NaN: none
    stored_gpu_ratio: float  # stored_gpu_s / tgnas_batched_s (different hardware: labelled, not the headline)
    threads: int
    where: str = "live, this machine, this run"

    def as_row(self) -> dict:
        return asdict(self)


def side_by_side(model, archs: list, space: str, proxies: tuple[str, ...], compute, make_task,
                 stored: list[dict] | None = None) -> list[SideBySideRow]:
    """Time every proxy and TG-NAS on the same ``archs`` in this process, now, both on one torch thread.

    ``compute(make_task(arch, proxies))`` returns the proxies' records for one arch, computed afresh (not read from
    any cache), with ``time`` (the query) and ``build_time`` (the network); a proxy alone costs both. TG-NAS is timed
    one arch per call (graphs rebuilt each call) and on all ``archs`` in one call. ``stored``: :func:`stored_times`
    rows, for the labelled stored-GPU column."""
    from ..threads import torch_threads

    with torch_threads(1):  # both sides on one thread: fair, and what one Ray worker gets; robust to others' load
        return _side_by_side(model, archs, space, proxies, compute, make_task, stored)


def _side_by_side(model, archs: list, space: str, proxies: tuple[str, ...], compute, make_task,
                  stored: list[dict] | None) -> list[SideBySideRow]:
    import torch

    from .. import spaces

    per_proxy: dict[str, list[float]] = {p: [] for p in proxies}
    builds = []
    compute(make_task(archs[0], proxies[:1]))  # warm-up, untimed: search space, input batch, imports
    model.score(archs[-1:], space=space)
    for arch in archs:
        recs = compute(make_task(arch, proxies))
        builds.append(recs[0]["build_time"])
        for rec in recs:  # one proxy alone costs building the network + its query
            per_proxy[rec["proxy"]].append(rec["build_time"] + rec["time"])
    clear = getattr(getattr(spaces, "_cached_graph", None), "cache_clear", lambda: None)
    one = []
    for arch in archs:
        clear()
        t = time.perf_counter()
        model.score([arch], space=space)
        one.append(time.perf_counter() - t)
    tg_one = statistics.median(one)
    tg_batch = time_tgnas(model, archs, space, repeats=3)["per_arch"]
    gpu = {s["proxy"]: float(np.median(s["times"])) for s in stored or [] if s["space"] == space}
    rows = []
    for p in proxies:
        med = statistics.median(per_proxy[p])
        g = gpu.get(p, float("nan"))
        rows.append(SideBySideRow(p, space, len(archs), med, tg_one, tg_batch, med / tg_one, med / tg_batch, g,
                                  g / tg_batch, torch.get_num_threads()))
    build = statistics.median(builds)  # all proxies together build the network once
    total = sum(r.proxy_s for r in rows) - (len(rows) - 1) * build
    rows.append(SideBySideRow(f"all {len(proxies)}", space, len(archs), total, tg_one, tg_batch, total / tg_one,
                              total / tg_batch, float("nan"), float("nan"), torch.get_num_threads()))
    return rows


def format_side_by_side(rows: list[SideBySideRow]) -> str:
    """The headline timing table as text."""
    if not rows:
        return ""
    r0 = rows[0]
    lines = [f"Seconds per architecture, measured in this run on this machine ({r0.threads} torch threads), on the "
             f"same {r0.n_archs} {r0.space} archs: NASLib ZeroCost per proxy vs TG-NAS one arch per call "
             f"({r0.tgnas_per_arch_s * 1e3:.2f} ms) and batched ({r0.tgnas_batched_s * 1e3:.3f} ms/arch):",
             f"{'proxy':<9} {'proxy s/arch':>12} {'x TG-NAS per arch':>18} {'x TG-NAS batched':>17}   "
             f"{'stored GPU s/arch':>17} {'stored-GPU x batched':>20}"]
    for r in rows:
        gpu = f"{r.stored_gpu_s:17.4f} {r.stored_gpu_ratio:19.0f}x" if np.isfinite(r.stored_gpu_s) else \
            f"{'-':>17} {'-':>20}"
        lines.append(f"{r.proxy:<9} {r.proxy_s:12.4f} {r.ratio_per_arch:17.0f}x {r.ratio_batched:16.0f}x   {gpu}")
    lines.append("x = proxy seconds / TG-NAS seconds. The stored-GPU columns (second, labelled) divide NAS-Bench-Suite-"
                 "Zero's stored per-arch times (NASLib's GPUs) by TG-NAS batched on this CPU: different hardware.")
    return "\n".join(lines)
