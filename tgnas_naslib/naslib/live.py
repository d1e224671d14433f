"""NASLib's zero-cost proxies computed live on one architecture, through NASLib's own ``ZeroCost`` (never a
reimplementation): the one place that builds a benchmark network and hands it a fixed input batch. The study's live
proxies (``study/live.py``) and the fused proxies (:mod:`.fused`) both use it.

Inputs: a seeded shuffled batch of the real CIFAR-10 test images of the data directory (``images/
cifar10_test_1000.npz``; NB201 / NB301 / NB101 CIFAR-10), or, for TransNAS-Bench-101, synthetic input of the task's
shape (only the data-free proxies read it meaningfully: ``DATA_FREE_PROXIES``).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any, Sequence

from ..datasets.catalog import DATA_FREE_PROXIES
from ..datasets.files import CIFAR10_NPZ as CIFAR_NPZ
from ..errors import TGNASError

#: TNB101 task -> input shape of one sample (NASLib's Taskonomy loaders: 256x256 RGB; jigsaw: 9 tiles of 64x64)
TNB_INPUT_SHAPE = {"jigsaw": (9, 3, 64, 64)}
TNB_DEFAULT_SHAPE = (3, 256, 256)


class ImagesUnavailable(TGNASError, ValueError):
    """A live proxy needs images of a dataset the data directory does not have (one line)."""


@lru_cache(maxsize=16)
def search_space(space: str, dataset: str):
    """NASLib's search space object for (space, dataset), built once per process."""
    from naslib.search_spaces import get_search_space

    return get_search_space(space, dataset)


def _synthetic_batch(dataset: str, batch_size: int, seed: int) -> list:
    """One (x, y) batch of the TNB task's input shape; x ~ N(0, 1), y zeros (the data-free proxies read neither)."""
    import torch

    shape = TNB_INPUT_SHAPE.get(dataset, TNB_DEFAULT_SHAPE)
    x = torch.randn((batch_size, *shape), generator=torch.Generator().manual_seed(seed))
    return [(x, torch.zeros(batch_size, dtype=torch.long))]


@lru_cache(maxsize=8)
def input_batch(inputs: str, dataset: str, data: str | None, batch_size: int, seed: int) -> list:
    """The one input batch every proxy of a benchmark sees, fixed by the seed: ``[(x, y)]`` (NASLib's proxies take
    the first batch of the loader they are given, so a list of one batch is a loader). ``inputs``: ``cifar10`` (the
    npz ``data``), ``synthetic``."""
    if inputs == "synthetic":
        return _synthetic_batch(dataset, batch_size, seed)
    if inputs != "cifar10":
        raise ImagesUnavailable(f"live inputs {inputs!r} are not implemented (cifar10, synthetic)")
    # NASLib takes one batch of a shuffled train loader; here seeded test images
    from .compat.cifar10 import cifar10_loader

    return [next(iter(cifar10_loader(data, batch_size=batch_size, shuffle=True, seed=seed)))]


def inputs_for(space: str, dataset: str, proxies: Sequence[str], data_dir: Any = None) -> tuple[str, str | None]:
    """(inputs, data) of a benchmark's live proxies: CIFAR-10 images for the CIFAR-10 spaces, synthetic input of the
    task's shape for TransNAS-Bench-101 (data-free proxies only); ImagesUnavailable where no images are here."""
    from ..paths import require_file

    if space.startswith("transbench101"):
        need = [p for p in proxies if p not in DATA_FREE_PROXIES]
        if need:
            raise ImagesUnavailable(f"{', '.join(need)} on {space}/{dataset} need Taskonomy images, which the data "
                                    f"directory does not have (live here: {', '.join(DATA_FREE_PROXIES)})")
        return "synthetic", None
    if dataset != "cifar10":
        raise ImagesUnavailable(f"no {dataset} images in the data directory (only {CIFAR_NPZ}): live proxies on "
                                f"{space}/{dataset} cannot be computed here; use stored values")
    return "cifar10", str(require_file(CIFAR_NPZ, data_dir))


def compute(space: str, dataset: str, arch: Any, proxies: Sequence[str], batch: list, seed: int,
            device: str = "cpu") -> list[dict]:
    """Every proxy on ``arch`` through NASLib's ``ZeroCost.query``: one record each (score, time, build_time,
    error).

    The network is built once after ``torch.manual_seed(seed)`` (every NASLib measure but l2_norm works on a copy,
    and l2_norm only reads the weights) and the seed is set again before each proxy, so a value depends neither on
    the engine or worker nor on which other proxies are computed with it. A proxy that raises gets NASLib's failure
    value -1e8 and the error."""
    import torch
    from naslib.predictors import ZeroCost

    t = time.perf_counter()
    try:
        torch.manual_seed(seed)
        g = search_space(space, dataset).clone()
        g.set_spec(arch)
        g.parse()
    except Exception as exc:  # the arch cannot be built: every proxy fails, as in NASLib (-1e8)
        err = f"building the network: {type(exc).__name__}: {exc}"[:300]
        return [{"arch": arch, "proxy": p, "score": -1e8, "time": 0.0, "build_time": time.perf_counter() - t,
                 "error": err} for p in proxies]
    build = time.perf_counter() - t
    out = []
    for proxy in proxies:
        t = time.perf_counter()
        try:
            torch.manual_seed(seed)
            zc = ZeroCost(method_type=proxy)
            zc.device = torch.device(device)
            score, err = float(zc.query(g, dataloader=batch)), None
        except Exception as exc:  # one proxy failing on one net must not stop the run (NASLib: -1e8)
            score, err = -1e8, f"{type(exc).__name__}: {exc}"[:300]
        out.append({"arch": arch, "proxy": proxy, "score": score, "time": time.perf_counter() - t,
                    "build_time": build, "error": err})
    return out
