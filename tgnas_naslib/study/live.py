"""Optional: NASLib's zero-cost proxies computed live on a seeded sample of NB201 networks with real CIFAR-10
images, cached on disk one JSON line per (architecture, proxy) so an interrupted run resumes where it stopped.

Needs NASLib through ``tgnas_naslib.naslib``; without it the study prints one line and skips this part.
"""

from __future__ import annotations

import importlib
import json
import time
import zlib
from pathlib import Path

import numpy as np

from ..paths import require_file
from .correlation import rank_last, spearman
from .data import PROXIES, StudyData

CIFAR_NPZ = "images/cifar10_test_1000.npz"


def naslib_status() -> str | None:
    """None if NASLib is importable through tgnas_naslib.naslib, else the reason (one line)."""
    try:
        importlib.import_module("tgnas_naslib.naslib")  # the import is the check
    except Exception as exc:  # ImportError, or a broken checkout / dependency
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


class LiveCache:
    """Append-only JSON-lines cache of live proxy values: one line per (arch, proxy).

    A line cut off by an interruption (or otherwise unreadable) is ignored and recomputed."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.entries: dict[tuple[tuple, str], dict] = {}
        self.skipped = 0
        if self.path.is_file():
            for line in self.path.read_text().splitlines():
                try:
                    rec = json.loads(line)
                    self.entries[(tuple(rec["arch"]), rec["proxy"])] = rec
                except (json.JSONDecodeError, KeyError, TypeError):
                    self.skipped += 1

    def get(self, arch: tuple, proxy: str) -> dict | None:
        return self.entries.get((tuple(arch), proxy))

    def add(self, rec: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as fh:
            # start on a fresh line if a previous run was cut off mid-line
            if fh.tell() > 0:
                with open(self.path, "rb") as rd:
                    rd.seek(-1, 2)
                    if rd.read(1) != b"\n":
                        fh.write("\n")
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
        self.entries[(tuple(rec["arch"]), rec["proxy"])] = rec


def sample_archs(data: StudyData, n: int, seed: int) -> list[tuple]:
    """A seeded sample of the benchmark's archs; a larger n extends a smaller one (same seed), so cached work is
    reused."""
    rng = np.random.default_rng([int(seed), zlib.crc32(b"live"), zlib.crc32(data.spec.key.encode())])
    perm = rng.permutation(data.n)
    return [data.archs[i] for i in perm[:n]]


def compute_live(data: StudyData, n: int, out_dir: Path, seed: int = 0, batch_size: int = 64,
                 device: str = "cpu", data_dir=None, proxies: tuple[str, ...] = PROXIES, log=print) -> list[dict]:
    """Compute (or read from the cache) every proxy on ``n`` sampled NB201 CIFAR-10 archs of ``data``; return per
    proxy the timings and agreement with the stored values and the labels. Expects NASLib to be importable."""
    import torch

    import tgnas_naslib.naslib as tn
    from naslib.predictors import ZeroCost
    from naslib.search_spaces import get_search_space

    npz = require_file(CIFAR_NPZ, data_dir)
    loader = tn.cifar10_loader(npz, batch_size=batch_size, shuffle=False)
    cache = LiveCache(Path(out_dir) / "live_cache" / f"{data.spec.key}_bs{batch_size}_seed{seed}.jsonl")
    if cache.skipped:
        log(f"  live: ignored {cache.skipped} unreadable cache line(s) in {cache.path} (recomputed)")
    archs = sample_archs(data, n, seed)
    todo = [(a, p) for a in archs for p in proxies if cache.get(a, p) is None]
    log(f"  live: {len(archs)} archs x {len(proxies)} proxies; {len(archs) * len(proxies) - len(todo)} cached in "
        f"{cache.path}, {len(todo)} to compute (batch {batch_size}, {device})")
    ss = get_search_space("nasbench201", "cifar10")
    for k, (arch, proxy) in enumerate(todo):
        torch.manual_seed(seed)
        g = ss.clone()
        g.set_spec(arch)
        g.parse()
        zc = ZeroCost(method_type=proxy)
        zc.device = torch.device(device)
        t = time.perf_counter()
        try:
            score, err = float(zc.query(g, dataloader=loader)), None
        except Exception as exc:  # one proxy failing on one net must not stop the study (NASLib: -1e8)
            score, err = -1e8, f"{type(exc).__name__}: {exc}"[:300]
        cache.add({"arch": list(arch), "proxy": proxy, "score": score, "time": time.perf_counter() - t,
                   "batch_size": batch_size, "seed": seed, "device": device, "error": err})
        if (k + 1) % 25 == 0:
            log(f"  live: {k + 1}/{len(todo)} computed")
    index = {a: i for i, a in enumerate(data.archs)}
    rows = []
    for p in proxies:
        recs = [cache.get(a, p) for a in archs]
        score = np.array([r["score"] for r in recs], dtype=float)
        times = np.array([r["time"] for r in recs], dtype=float)
        ii = np.array([index[a] for a in archs])
        col = data.columns.get(p)
        stored_rho = float("nan")
        if col is not None and col.mask[ii].all():
            stored_rho = spearman(rank_last(score), rank_last(col.values[ii]))
        rows.append({"proxy": p, "n": len(archs), "times": times, "n_failed": int(np.sum(rank_last(score) <= -1e8)),
                     "errors": sorted({r["error"] for r in recs if r.get("error")})[:3],
                     "rho_vs_stored": stored_rho, "rho_vs_val_acc": spearman(rank_last(score), data.y[ii]),
                     "source": f"live, batch {batch_size}, {len(archs)} archs of {data.spec.primary}"})
    return rows
