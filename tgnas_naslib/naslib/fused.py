"""The fused proxies (``tgnas_nwot``, ``tgnas_<proxy>[_<proxy>]``; the rule: :mod:`tgnas_naslib.fusion`) inside
NASLib: zero-cost measures NASLib's ``ZeroCost`` queries like its own, the live backend that computes their proxies
through NASLib's ``ZeroCost`` (:func:`live_values`), what they cost per architecture (:func:`measure_cost`), and the
command that builds a shipped reference::

    python -m tgnas_naslib.naslib.fused --space nasbench301 --dataset cifar10 --proxies nwot,zen --batch 32 \\
        --out tgnas_naslib/fusion_references [--from-cache results/fusion_study/live_cache/<file>.jsonl]

As a measure, a fused proxy takes the NASLib graph itself (``copy_net=False``) and NASLib's one batch: the live
proxies are NASLib's own measures run through ``ZeroCost.query`` on that batch; the TG-NAS part is the configured
model (``tgnas_model``; default: the ``universal`` bundle's member that never saw the space's family).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from ..fusion import (
    DEFAULT_BATCH,
    N_LIVE_REF,
    PROXIES,
    REFERENCE_SEED,
    FusedProxy,
    FusionError,
    Reference,
    is_fused_name,
    parse_name,
    proxy_key,
    write_reference,
)
from .live import compute, input_batch, inputs_for, search_space
from .predictor import FAILED, TGNASPredictor, configured_model

logger = logging.getLogger("naslib.tgnas")

#: fused names registered eagerly (every other valid combination is registered when NASLib first asks for it)
EAGER = tuple(f"tgnas_{p}" for p in PROXIES) + ("tgnas_nwot_jacov",)
#: NB201 datasets by number of classes (NASLib's NB201 graph does not record its dataset)
_NB201_DATASETS = {10: "cifar10", 100: "cifar100", 120: "ImageNet16-120"}


def live_values(space: str, dataset: str, archs: Sequence[Any], proxies: Sequence[str], batch_size: int,
                seed: int = REFERENCE_SEED, data_dir: Any = None, device: str = "cpu") -> dict[str, np.ndarray]:
    """Each proxy on each arch through NASLib's ``ZeroCost`` on the benchmark's own fixed input batch (a seeded
    batch of the data directory's CIFAR-10 images; synthetic input of the task's shape on TransNAS-Bench-101)."""
    inputs, data = inputs_for(space, dataset, proxies, data_dir)
    batch = input_batch(inputs, dataset, data, int(batch_size), int(seed))
    out = {p: np.full(len(archs), np.nan) for p in proxies}
    t0 = time.perf_counter()
    for i, arch in enumerate(archs):
        for rec in compute(space, dataset, arch, tuple(proxies), batch, int(seed), device):
            out[rec["proxy"]][i] = rec["score"]
        if len(archs) > 20 and (i + 1) % 20 == 0:
            logger.info("live %s on %s/%s: %d of %d archs (%.0f s)", ",".join(proxies), space, dataset, i + 1,
                        len(archs), time.perf_counter() - t0)
    return out


def fused_proxy(name: str = "tgnas_nwot", model: Any = None, data_dir: Any = None, **kwargs: Any) -> FusedProxy:
    """A :class:`~tgnas_naslib.fusion.FusedProxy` that computes its live proxies through NASLib (``.score(archs,
    space, dataset)``); ``model``: default the run's configured TG-NAS model (``tgnas_model``)."""
    live = functools.partial(_live_backend, data_dir=data_dir)
    return FusedProxy(name, model if model is not None else configured_model(), live=live, data_dir=data_dir,
                      **kwargs)


def _live_backend(space, dataset, archs, proxies, batch_size, seed, data_dir=None):
    return live_values(space, dataset, archs, proxies, batch_size, seed, data_dir)


@functools.lru_cache(maxsize=64)
def _fused_for(name: str, model_id: int) -> FusedProxy:
    """One FusedProxy per (name, model) for the measures (its references are memoised inside)."""
    return fused_proxy(name, configured_model())


def dataset_of(net: Any) -> str:
    """The dataset / task of a NASLib graph (NB201 graphs only know their number of classes)."""
    ds = getattr(net, "dataset", None)
    if isinstance(ds, str) and ds:
        return ds
    if net.get_type() == "nasbench201":
        return _NB201_DATASETS.get(int(getattr(net, "num_classes", 10)), "cifar10")
    return "cifar10"


_announced: set[tuple] = set()


def fused_value(name: str, net: Any, inputs: Any, targets: Any) -> float:
    """The fused score of one NASLib graph on NASLib's batch ``(inputs, targets)`` (NASLib's ``-1e8`` if it fails)."""
    from naslib.predictors import ZeroCost

    model = configured_model()
    fp = _fused_for(name, id(model))
    space, dataset = net.get_type(), dataset_of(net)
    key = (name, id(model), space, dataset)
    if key not in _announced:
        _announced.add(key)
        d = model.describe(space)
        logger.info("%s: %s/%s, TG-NAS part scored by %s member %s (%s; trained on %s)", name, space, dataset,
                    d["model"], d["member"], d["evaluation"], d["trained_on"])
    batch = [(inputs, targets)]
    values = {}
    for p in fp.proxies:
        zc = ZeroCost(method_type=p)
        values[p] = [float(zc.query(net, dataloader=batch))]
    tg = TGNASPredictor(model=model).query(net)
    score = float(fp.fuse(None, space, dataset, values, batch_size=int(inputs.shape[0]), tgnas=[tg])[0])
    return score if np.isfinite(score) else FAILED


def make_measure(name: str):
    """The NASLib measure function of a fused name (checked: UnknownProxyError names a bad proxy)."""
    parse_name(name)

    def fused_measure(net, inputs=None, targets=None, loss_fn=None, split_data=1, **_):
        return [torch.tensor(fused_value(name, net, inputs, targets), dtype=torch.float64)]

    fused_measure.__name__ = f"{name}_measure"
    fused_measure.__doc__ = f"The fused zero-cost measure {name} (tgnas_naslib.fusion)."
    return fused_measure


class _FusedAwareImpls(dict):
    """NASLib's measure table that registers a valid fused name the first time it is asked for."""

    def __missing__(self, name: Any) -> Any:
        if not is_fused_name(name):
            raise KeyError(name)
        register_measure(name)  # UnknownProxyError (one line) for a bad proxy
        return dict.__getitem__(self, name)


def register_measure(name: str) -> bool:
    """Register one fused name as a NASLib zero-cost measure (idempotent); True if added now."""
    from naslib.predictors.utils.pruners import measures

    if dict.__contains__(measures._measure_impls, name):
        return False
    measures.measure(name, bn=False, copy_net=False, force_clean=False)(make_measure(name))
    return True


def register_fused() -> None:
    """The fused names in NASLib's measure table: :data:`EAGER` now, any other valid one on first use."""
    from naslib.predictors.utils.pruners import measures

    if not isinstance(measures._measure_impls, _FusedAwareImpls):
        measures._measure_impls = _FusedAwareImpls(measures._measure_impls)
    for name in EAGER:
        register_measure(name)


# ----------------------------------------------------------------------------------------------------------------
# cost per architecture: forward / backward passes and seconds
# ----------------------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def count_passes(net: torch.nn.Module) -> Iterator[dict]:
    """Count forward passes (calls of the stem: the first convolution that reads the input's channels, in every copy
    NASLib makes of the network) and backward passes (``torch.autograd.backward`` / ``torch.autograd.grad`` calls)
    while the block runs."""
    counts = {"forward": 0, "backward": 0}
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    stem = next((m for m in convs if m.in_channels in (3, 9)), convs[0] if convs else None)
    hook = stem.register_forward_pre_hook(lambda *_: counts.__setitem__("forward", counts["forward"] + 1)) \
        if stem is not None else None
    backward, grad = torch.autograd.backward, torch.autograd.grad

    def counted(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            counts["backward"] += 1
            return fn(*args, **kwargs)
        return wrapper

    torch.autograd.backward, torch.autograd.grad = counted(backward), counted(grad)
    try:
        yield counts
    finally:
        torch.autograd.backward, torch.autograd.grad = backward, grad
        if hook is not None:
            hook.remove()


def measure_cost(space: str, dataset: str, archs: Sequence[Any], methods: Sequence[str], batch_size: int | None = None,
                 seed: int = REFERENCE_SEED, data_dir: Any = None) -> list[dict]:
    """Per method (``tgnas``, a NASLib proxy or a fused name) on ``archs``: forward and backward passes per arch
    (median) and seconds per arch (median), each arch's network built once and queried one method at a time through
    ``ZeroCost.query`` (TG-NAS: ``TGNASPredictor.query`` on the graph, one arch per call)."""
    from naslib.predictors import ZeroCost

    bs = batch_size or DEFAULT_BATCH.get((space, dataset), 32)
    live = sorted({p for m in methods if is_fused_name(m) for p in parse_name(m)} |
                  {m for m in methods if m in PROXIES})
    inputs, data = inputs_for(space, dataset, live, data_dir)
    batch = input_batch(inputs, dataset, data, bs, seed)
    rows: dict[str, dict[str, list]] = {m: {"forward": [], "backward": [], "seconds": []} for m in methods}
    predictor = TGNASPredictor(model=configured_model())
    for i, arch in enumerate(archs):
        torch.manual_seed(seed)
        g = search_space(space, dataset).clone()
        g.set_spec(arch)
        g.parse()
        for m in methods:
            if i == 0 and is_fused_name(m):  # references are built once, never timed
                ZeroCost(method_type=m).query(g, dataloader=batch)
            with count_passes(g) as counts:
                t = time.perf_counter()
                if m == "tgnas":
                    predictor.query(g)
                else:
                    ZeroCost(method_type=m).query(g, dataloader=batch)
                seconds = time.perf_counter() - t
            for k, v in (*counts.items(), ("seconds", seconds)):
                rows[m][k].append(v)
    return [{"method": m, "space": space, "dataset": dataset, "batch_size": bs, "n_archs": len(archs),
             "forward": statistics.median(r["forward"]), "backward": statistics.median(r["backward"]),
             "seconds": statistics.median(r["seconds"]), "threads": torch.get_num_threads()}
            for m, r in rows.items()]


# ----------------------------------------------------------------------------------------------------------------
# building a shipped reference
# ----------------------------------------------------------------------------------------------------------------
def _cached_values(path: Path, proxy: str, n: int) -> tuple[list[float], str]:
    """The first ``n`` values of ``proxy`` in a study live cache (its seeded sample order) and their description."""
    import json

    recs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    vals = [r["score"] for r in recs if r.get("proxy") == proxy][:n]
    if len(vals) < 2:
        raise FusionError(f"{path}: fewer than 2 {proxy} values")
    r0 = next(r for r in recs if r.get("proxy") == proxy)
    return vals, (f"live {proxy} through NASLib's ZeroCost, batch {r0.get('batch_size')}, on the first {len(vals)} "
                  f"archs of the study's seeded sample ({path.name}; seed {r0.get('seed')}; values only, no labels)")


def main(argv: list[str] | None = None) -> int:
    """Build shipped references (module docstring)."""
    from ..errors import report_user_error

    p = argparse.ArgumentParser(prog="python -m tgnas_naslib.naslib.fused",
                                description="compute a fused proxy reference live through NASLib and write it")
    p.add_argument("--space", required=True)
    p.add_argument("--dataset", required=True)
    p.add_argument("--proxies", required=True, help="comma-separated NASLib proxies")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--out", required=True, help="folder to write the reference JSON files to")
    p.add_argument("--n", type=int, default=N_LIVE_REF)
    p.add_argument("--from-cache", default=None, metavar="JSONL",
                   help="take the values from a study live cache (its seeded sample) instead of computing them")
    p.add_argument("--data-dir", default=None)
    args = p.parse_args(argv)
    try:
        proxies = [x for x in args.proxies.split(",") if x]
        for proxy in proxies:
            key = proxy_key(args.space, args.dataset, proxy, args.batch)
            if args.from_cache:
                vals, origin = _cached_values(Path(args.from_cache), proxy, args.n)
            else:
                from ..fusion import reference_archs

                archs = reference_archs(args.space, args.n, REFERENCE_SEED, args.data_dir)
                vals = live_values(args.space, args.dataset, archs, (proxy,), args.batch, REFERENCE_SEED,
                                   args.data_dir)[proxy]
                origin = (f"live {proxy} through NASLib's ZeroCost, batch {args.batch}, on {len(archs)} seeded random "
                          f"{args.space} archs (seed {REFERENCE_SEED}; no labels)")
            print(write_reference(Reference.of(key, vals, origin), args.out))
    except Exception as exc:  # user errors in one line; a bug keeps its traceback
        return report_user_error(p.prog, exc)
    return 0


if __name__ == "__main__":
    import tgnas_naslib.naslib  # noqa: F401  (compatibility fixes before NASLib)

    sys.exit(main())
