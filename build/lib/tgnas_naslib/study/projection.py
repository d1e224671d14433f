"""A projection, not a measurement: how long the live proxies of the whole suite would take, from the per-task
seconds measured in this study's live runs.

Per benchmark, one architecture costs building its network once plus every proxy's query (medians over the live
records). Scaled to the suite's architecture counts (:data:`SUITE_ARCHS`) and divided by K parallel workers (perfect
scaling assumed; Ray's measured 2-worker speed-up says how close that is here). For K GPUs, the CPU seconds are
divided by a GPU speed factor per search space: the median ratio of this machine's live seconds to the per-arch
seconds NAS-Bench-Suite-Zero stored for the same proxy and space (measured on NASLib's GPUs) - an estimate from
other hardware, and only where both exist.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

import numpy as np

#: architectures per benchmark in the whole suite (NAS-Bench-Suite-Zero's sets): NB201 all 15,625 per dataset,
#: NB301 its 11,221, NB101 its 10,250, TNB101 micro all 4,096 and macro all 3,256 per task (7 tasks each)
SUITE_ARCHS = {"nasbench201": 3 * 15625, "nasbench301": 11221, "nasbench101": 10250,
               "transbench101_micro": 7 * 4096, "transbench101_macro": 7 * 3256}


@dataclass
class SpaceCost:
    """Measured seconds for one architecture of one search space (all its live proxies), and the suite's count."""

    space: str
    proxies: tuple[str, ...]
    build_s: float  # median seconds to build the network
    query_s: float  # sum over the proxies of their median query seconds
    n_records: int
    suite_archs: int
    gpu_factor: float  # median (seconds here / stored NASLib GPU seconds) over shared proxies; NaN: none
    gpu_factor_from: str

    @property
    def per_arch_s(self) -> float:
        return self.build_s + self.query_s

    def as_row(self) -> dict:
        return {**asdict(self), "per_arch_s": self.per_arch_s}


def space_costs(records: dict[str, list[dict]], space_of: dict[str, str], stored: list[dict]) -> list[SpaceCost]:
    """Per search space, from the live records (``{benchmark: [record, ...]}``; ``space_of`` maps benchmark to
    space) and the stored NASLib times (:func:`.timing.stored_times` rows)."""
    by_space: dict[str, list[dict]] = {}
    for bench, recs in records.items():
        by_space.setdefault(space_of[bench], []).extend(r for r in recs if not r.get("error"))
    gpu = {(s["space"], s["proxy"]): float(np.median(s["times"])) for s in stored}
    out = []
    for space, recs in by_space.items():
        if not recs:
            continue
        proxies = tuple(sorted({r["proxy"] for r in recs}))
        med = {p: statistics.median(r["time"] for r in recs if r["proxy"] == p) for p in proxies}
        build = statistics.median(r.get("build_time", 0.0) for r in recs)
        ratios = {p: (med[p] + build) / gpu[(space, p)] for p in proxies if (space, p) in gpu}
        factor = statistics.median(ratios.values()) if ratios else float("nan")
        out.append(SpaceCost(space, proxies, build, sum(med.values()), len(recs), SUITE_ARCHS.get(space, 0), factor,
                             ", ".join(f"{p} {v:.1f}x" for p, v in ratios.items())))
    # a space without stored GPU times borrows the median factor of the others (said in gpu_factor_from)
    known = [c.gpu_factor for c in out if np.isfinite(c.gpu_factor)]
    for c in out:
        if not np.isfinite(c.gpu_factor) and known:
            c.gpu_factor, c.gpu_factor_from = statistics.median(known), "no stored GPU times: median of the others"
    return out


def project(costs: list[SpaceCost], workers: tuple[int, ...] = (1, 2, 8, 64),
            gpus: tuple[int, ...] = (1, 8, 64)) -> dict:
    """Hours for the whole suite on K CPU workers (this machine's per-worker speed) and on K GPUs."""
    cpu_s = sum(c.per_arch_s * c.suite_archs for c in costs)
    gpu_s = sum(c.per_arch_s / c.gpu_factor * c.suite_archs for c in costs if np.isfinite(c.gpu_factor))
    return {"cpu_hours": {k: cpu_s / k / 3600 for k in workers},
            "gpu_hours": {k: gpu_s / k / 3600 for k in gpus} if gpu_s else {},
            "spaces": [c.as_row() for c in costs]}


def format_projection(proj: dict) -> str:
    """The projection as text, labelled as one."""
    lines = ["PROJECTION (not measured): the live proxies of the whole suite, from the per-arch seconds measured here",
             f"{'space':<20} {'suite archs':>11} {'s/arch here':>11} {'GPU factor':>10}  proxies (GPU factor from)"]
    for c in proj["spaces"]:
        lines.append(f"{c['space']:<20} {c['suite_archs']:>11} {c['per_arch_s']:>11.2f} {c['gpu_factor']:>9.1f}x  "
                     f"{', '.join(c['proxies'])} ({c['gpu_factor_from'] or '-'})")
    lines.append("CPU workers (this machine's speed per worker, perfect scaling): "
                 + ", ".join(f"K={k}: {h:,.1f} h" for k, h in proj["cpu_hours"].items()))
    if proj["gpu_hours"]:
        lines.append("GPUs (seconds here / GPU factor, perfect scaling): "
                     + ", ".join(f"K={k}: {h:,.1f} h" for k, h in proj["gpu_hours"].items()))
    lines.append("Assumptions: time per arch as in the live sample; NB201 CIFAR-100 / ImageNet16-120 at the CIFAR-10 "
                 "rate, TNB tasks at the sampled tasks' rate; only the proxies computed live (TNB: data-free ones); "
                 "GPU factors from NAS-Bench-Suite-Zero's stored times on other hardware.")
    return "\n".join(lines)
