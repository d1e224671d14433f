"""Ray with W workers vs the in-process loop (``--engine local``) on the same NB201 CIFAR-10 archs and proxies, in
ONE run: both wall times, the speed-up, the machine load before / between / after (``os.getloadavg()``), whether the
two engines gave the same values, and the live values' rank agreement with the stored ones on the same archs.

    TGNAS_DATA_DIR=/path/to/benchmarks_data python experiments/ray_speedup.py --archs 100 --workers 2

Needs NASLib (scripts/setup_naslib.sh) and ray. Each engine writes to its own fresh cache, so nothing is reused.
The load is others' work too: on a shared machine a load above the core count spoils the comparison (rerun when
quiet). Results also go to ``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from tgnas_naslib.study import live
from tgnas_naslib.study.correlation import rank_last, spearman
from tgnas_naslib.study.data import SPEC_BY_KEY, assemble
from tgnas_naslib.study.engine import run_tasks, start_ray


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archs", type=int, default=100, help="NB201 CIFAR-10 archs (seeded sample; default 100)")
    ap.add_argument("--proxies", nargs="+", default=["flops", "params", "synflow", "nwot"])
    ap.add_argument("--workers", type=int, default=2, help="Ray workers (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None, help="benchmark data directory (default $TGNAS_DATA_DIR)")
    ap.add_argument("--out", default="results/ray_speedup.json")
    args = ap.parse_args(argv)
    reason = live.naslib_status()
    if reason:
        print(f"ray_speedup: needs NASLib ({reason})", file=sys.stderr)
        return 2

    data = assemble(SPEC_BY_KEY["nb201_cifar10"], args.data_dir)
    plan = live.plan(data, args.archs, args.seed, None, "cpu", args.data_dir)
    plan.proxies = tuple(args.proxies)
    print(f"{args.archs} NB201 CIFAR-10 archs x {len(plan.proxies)} proxies ({', '.join(plan.proxies)}), "
          f"{plan.spec.label}; {os.cpu_count()} cores; local engine on torch's default {torch.get_num_threads()} "
          f"threads, each Ray worker on 1")
    result = {"archs": args.archs, "proxies": list(plan.proxies), "cores": os.cpu_count(), "load": {}}
    caches = {}
    with tempfile.TemporaryDirectory() as tmp:
        for engine in ("local", "ray"):
            result["load"][f"before_{engine}"] = _load()
            cache = live.cache_for(plan, Path(tmp) / engine)
            caches[engine] = cache
            tasks = live.tasks_for(plan, cache)
            t = time.perf_counter()
            started = start_ray(args.workers) if engine == "ray" else 0  # timed apart, counted in the wall time
            t_start = time.perf_counter() - t
            rep = run_tasks(tasks, live.compute_task, {plan.spec.cache_name: cache}, engine=engine,
                            workers=args.workers, progress=False, shutdown=engine == "ray")
            wall = time.perf_counter() - t
            result[engine] = {**rep.as_dict(), "wall_s": wall, "ray_start_s": t_start, "ray_workers": started}
            print(f"{engine:>5}: {rep.line()}" + (f" + starting Ray {t_start:.1f} s" if started else "")
                  + f"; load after {_load()}", flush=True)
        result["load"]["after"] = _load()

    local, ray = result["local"]["wall_s"], result["ray"]["wall_s"]
    result["speedup"] = local / ray
    same = {p: float(np.nanmax(np.abs([caches["local"].get(a, p)["score"] - caches["ray"].get(a, p)["score"]
                                       for a in plan.archs]))) for p in plan.proxies}
    result["max_abs_diff_local_vs_ray"] = same
    index = {a: i for i, a in enumerate(data.archs)}
    ii = [index[a] for a in plan.archs]
    rho = {}
    for p in plan.proxies:
        col = data.columns.get(p)
        if col is not None:
            score = [caches["ray"].get(a, p)["score"] for a in plan.archs]
            rho[p] = spearman(rank_last(np.array(score)), rank_last(col.values[ii]))
    result["rho_live_vs_stored"] = rho
    result["stored_source"] = {p: f"{data.columns[p].source} (batch {data.columns[p].batch})" for p in rho}

    tasks_only = result["ray"]["seconds"]
    result["speedup_tasks_only"] = local / tasks_only
    print(f"local {local:.1f} s, ray ({result['ray']['workers']} workers) {ray:.1f} s including starting Ray: "
          f"speed-up {local / ray:.2f}x ({local / tasks_only:.2f}x on the tasks alone, {tasks_only:.1f} s)")
    print(f"load average (1, 5, 15 min) before local {result['load']['before_local']}, before ray "
          f"{result['load']['before_ray']}, after {result['load']['after']} on {os.cpu_count()} cores"
          + ("  <- the machine was busy before we started (others' work): rerun when quiet"
             if result["load"]["before_local"][0] > 0.5 else ""))
    print("max |local - ray| per proxy: " + ", ".join(f"{p} {v:.3g}" for p, v in same.items()))
    print(f"live vs stored Spearman on the same {args.archs} archs ({plan.spec.label} vs "
          f"{data.columns['flops'].source}, batch {data.columns['flops'].batch}): "
          + ", ".join(f"{p} {v:.3f}" for p, v in rho.items()))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
