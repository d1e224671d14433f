"""Engines that compute live proxy tasks: Ray (an embedded local Ray by default, or a cluster through its
address) or an in-process loop, behind one call, :func:`run_tasks`.

A :class:`Task` is one architecture of one benchmark with the proxies still missing for it; the compute function
returns one record per proxy. The driver is the only writer: it appends each task's records to the benchmark's
:class:`~.cache.LiveCache` as results arrive, and the cache refuses a key it already holds, so a value is never
written twice, and a driver killed at any point resumes from what it wrote. Ray re-runs a task whose worker
died (``max_retries``); a task that still fails is reported and left out of the cache (a rerun retries it).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import TGNASError
from ..extras import require
from .cache import LiveCache

ENGINES = ("ray", "local")

#: Ray re-runs a task this many times when its worker process dies (killed, out of memory, node lost)
MAX_RETRIES = 3


class EngineError(TGNASError, RuntimeError):
    """A problem with the engine's setup (Ray missing, an unreachable address, no CUDA): one line for the user."""


@dataclass(frozen=True)
class Task:
    """One unit of work: ``proxies`` on ``arch`` of the benchmark whose cache is ``cache``; ``spec`` tells the
    compute function how (search space, inputs, batch size, seed, device); it must be picklable."""

    cache: str
    arch: Any
    proxies: tuple[str, ...]
    spec: Any = None


Compute = Callable[[Task], list[dict]]


@dataclass
class EngineReport:
    """What a run of :func:`run_tasks` did: the engine, its parallel workers, counts and wall time."""

    engine: str
    workers: int
    address: str | None
    gpus_per_task: float
    tasks: int
    values: int  # records written to the caches in this run
    failed_tasks: int  # tasks that failed even after Ray's retries (not written; a rerun retries them)
    seconds: float

    @property
    def rate(self) -> float:
        """Values written per second of wall time."""
        return self.values / self.seconds if self.seconds > 0 else float("nan")

    def as_dict(self) -> dict:
        return {**asdict(self), "values_per_s": self.rate}

    def line(self) -> str:
        where = f" at {self.address}" if self.address else ""
        gpu = f", {self.gpus_per_task:g} GPU per task" if self.gpus_per_task else ""
        fail = f"; {self.failed_tasks} task(s) failed after {MAX_RETRIES} retries (not cached: rerun)" \
            if self.failed_tasks else ""
        return (f"{self.values} values in {self.seconds:.1f} s ({self.rate:.2f}/s) on {self.engine}{where} with "
                f"{self.workers} worker(s){gpu}{fail}")


def check_address(address: str, timeout: float = 5.0) -> None:
    """For a host:port address, one line if nothing listens there (Ray itself would retry for a minute)."""
    if address == "auto":
        return
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise EngineError(f"--ray-address {address!r}: expected host:port (e.g. 10.0.0.5:6379), "
                          "ray://host:10001 or auto")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise EngineError(f"--ray-address {address}: cannot reach a Ray cluster there ({exc.strerror or exc})") \
            from None


def _import_ray():
    """The ray module, or MissingExtraError naming the extra that brings it."""
    return require("ray", "--engine ray", hint="or use --engine local")


def start_ray(workers: int | None = None, address: str | None = None, gpus_per_task: float = 0.0) -> int:
    """Connect to Ray (embedded local instance with ``workers`` CPUs, default all cores; or the cluster at
    ``address``) and return how many tasks can run at once. Reuses an already initialised Ray."""
    ray = _import_ray()
    if not ray.is_initialized():
        quiet = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        if address:
            check_address(address)
            try:
                ray.init(address=address, **quiet)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                hint = "" if os.environ.get("RAY_AUTH_MODE") else (
                    " (a cluster with token authentication also needs RAY_AUTH_MODE=token "
                    "and its token in RAY_AUTH_TOKEN or ~/.ray/auth_token)")
                raise EngineError(f"--ray-address {address}: {str(exc).splitlines()[0]}{hint}") from None
        else:
            gpus = None
            if gpus_per_task:
                import torch

                gpus = torch.cuda.device_count()
            # address="local": always a new embedded instance, never a stale cluster that a former `ray start`
            # left in /tmp/ray/ray_current_cluster (plain ray.init() would try to join it)
            ray.init(address="local", num_cpus=workers or os.cpu_count() or 1, num_gpus=gpus, **quiet)
    res = ray.cluster_resources()
    if gpus_per_task:
        n_gpu = res.get("GPU", 0)
        if n_gpu <= 0:
            raise EngineError("--device cuda: the Ray cluster has no GPU")
        return max(1, int(n_gpu / gpus_per_task))
    return max(1, int(res.get("CPU", 1)))


def _run_one(compute: Compute, task: Task) -> list[dict]:
    """The Ray task body (module level, so Ray pickles it by reference)."""
    return compute(task)


def _progress(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    # smoothing=0: rate and ETA from the average over the whole run (the observed rate), not the last few values
    return tqdm(total=total, desc=desc, unit="value", smoothing=0, dynamic_ncols=True, disable=not enabled)


def _write(records: list[dict], cache: LiveCache) -> int:
    return sum(cache.add(r) for r in records)


def run_tasks(tasks: Iterable[Task], compute: Compute, caches: Mapping[str, LiveCache], engine: str = "ray",
              workers: int | None = None, address: str | None = None, gpus_per_task: float = 0.0,
              progress: bool = True, desc: str = "live proxies", log: Callable[..., None] = print,
              shutdown: bool | None = None) -> EngineReport:
    """Compute every task with ``engine`` ('ray' or 'local') and write the records to ``caches[task.cache]``.

    Ray: tasks ask for one CPU (and ``gpus_per_task`` GPUs); at most a few per worker are in flight, results are
    written as they finish. ``shutdown``: stop an embedded Ray at the end (default: when this call started it).
    Local: the tasks run one after another in this process. A progress bar (tqdm) shows the ETA."""
    if engine not in ENGINES:
        raise EngineError(f"--engine {engine!r}: use one of {', '.join(ENGINES)}")
    tasks = list(tasks)
    total = sum(len(t.proxies) for t in tasks)
    t0 = time.perf_counter()
    if not tasks:  # everything cached: no engine to start
        return EngineReport(engine, 0, address, gpus_per_task, 0, 0, 0, 0.0)
    if engine == "local":
        written = 0
        with _progress(total, desc, progress) as bar:
            for task in tasks:
                written += _write(compute(task), caches[task.cache])
                bar.update(len(task.proxies))
        return EngineReport("local", 1, None, 0.0, len(tasks), written, 0, time.perf_counter() - t0)

    ray = _import_ray()
    started_here = not ray.is_initialized()
    n_workers = start_ray(workers, address, gpus_per_task)
    try:
        written, failed = _run_ray(ray, tasks, compute, caches, n_workers, gpus_per_task, total, desc, progress, log)
    finally:
        if shutdown or (shutdown is None and started_here):
            ray.shutdown()
    return EngineReport("ray", n_workers, address, gpus_per_task, len(tasks), written, failed,
                        time.perf_counter() - t0)


def _run_ray(ray, tasks: list[Task], compute: Compute, caches: Mapping[str, LiveCache], n_workers: int,
             gpus_per_task: float, total: int, desc: str, progress: bool, log) -> tuple[int, int]:
    remote = ray.remote(_run_one).options(num_cpus=1, num_gpus=gpus_per_task or 0, max_retries=MAX_RETRIES)
    compute_ref = ray.put(compute)
    window = 4 * n_workers  # enough queued work to keep every worker busy, without flooding the scheduler
    todo = iter(tasks)
    pending: dict[Any, Task] = {}
    written = failed = 0

    def submit() -> None:
        task = next(todo, None)
        if task is not None:
            pending[remote.remote(compute_ref, task)] = task

    for _ in range(window):
        submit()
    with _progress(total, desc, progress) as bar:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                task = pending.pop(ref)
                try:
                    written += _write(ray.get(ref), caches[task.cache])
                except ray.exceptions.RayError as exc:  # worker died MAX_RETRIES + 1 times, or the task raised
                    failed += 1
                    last = [x for x in str(exc).splitlines() if x.strip()][-1:] or [type(exc).__name__]
                    log(f"  live: task {task.cache} {task.arch} failed: {last[0].strip()[:200]}")
                bar.update(len(task.proxies))
                submit()
    return written, failed
