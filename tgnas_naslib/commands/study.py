"""``tgnas study``: TG-NAS vs the 13 NAS-Bench-Suite-Zero proxies on 13 labelled benchmarks (+ TNB101-macro for proxy
independence), proxy-independence heatmaps, rank scatter plots and timing, in one run (stored proxies; live NASLib
proxies optional, on Ray or in-process)."""

from __future__ import annotations

import argparse

from . import add_data_dir, add_device, add_model, seed_type


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``tgnas study``."""
    p = sub.add_parser("study", help="the 13-benchmark proxy study (correlations, heatmaps, timing)",
                       description="Correlation of TG-NAS and the 13 NAS-Bench-Suite-Zero proxies with ground truth "
                                   "on NB201 (3 datasets), NB301, TNB101-micro (7 tasks), NAS-Bench-Macro (analytic "
                                   "FLOPs / params only) and NB101 (training space), "
                                   "with bootstrap intervals; proxy-independence heatmaps on NB201 and TNB101-macro; "
                                   "rank scatter plots; seconds per architecture. Live proxies (--live-proxies N) are "
                                   "computed through NASLib on Ray (default) or in-process, cached and resumed. "
                                   "Writes CSV/markdown/PNG files to --out.")
    p.add_argument("--out", required=True, help="output folder (created)")
    add_data_dir(p)
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the rho intervals "
                   "(0 = none; default 1000)")
    p.add_argument("--seed", type=seed_type, default=0,
                   help="seed of the bootstrap, the heatmap sample and the live sample")
    live = p.add_argument_group("live proxies (need NASLib: scripts/setup_naslib.sh)")
    live.add_argument("--live-proxies", type=int, default=0, metavar="N",
                      help="compute NASLib's proxies live on N seeded archs per benchmark: all 13 on NB201 CIFAR-10, "
                           "NB301 and NB101 (CIFAR-10 images), the data-free ones on TNB101 micro/macro (cached under "
                           "OUT/live_cache and resumed; default 0 = off)")
    live.add_argument("--live-tnb", type=int, default=None, metavar="M",
                      help="archs per TNB101 task (micro and macro) instead of N, e.g. 200 to fill the stored holes")
    live.add_argument("--engine", choices=("ray", "local"), default="ray",
                      help="ray (default: an embedded local Ray over this machine's cores, or --ray-address) or local "
                           "(one after another in this process)")
    live.add_argument("--ray-address", default=None, metavar="ADDR",
                      help="join this Ray cluster (host:port, ray://host:10001 or auto) instead of starting one")
    live.add_argument("--workers", type=int, default=None,
                      help="CPUs of the embedded Ray (default: all cores); ignored with --ray-address")
    live.add_argument("--live-batch", type=int, default=None, help="batch size of the live proxies (default: that of "
                      "the stored values they are compared with: 64 on NB201 CIFAR-10, 32 elsewhere)")
    live.add_argument("--timing-live-archs", type=int, default=10, metavar="K",
                      help="archs of the side-by-side timing headline (proxies and TG-NAS, same run; default 10)")
    live.add_argument("--live-names", default=None, metavar="P[,P...]",
                      help="compute only these proxies live, and none that a benchmark stores for every arch "
                           "(e.g. nwot,zen for the fusion table)")
    live.add_argument("--fusion-cost-archs", type=int, default=3, metavar="K",
                      help="archs per image benchmark on which the fusion table's cost per arch (passes, seconds) "
                           "is measured through NASLib (default 3; 0: not measured)")
    live.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--heatmap-archs", type=int, default=1000, help="random NB201 archs per heatmap (default 1000)")
    p.add_argument("--benchmarks", nargs="+", default=None, metavar="NAME",
                   help="restrict to these study benchmarks (e.g. nb201_cifar100 tnb101_micro_jigsaw nb101)")
    p.add_argument("--timing-archs", type=int, default=None, metavar="N",
                   help="time TG-NAS on at most N archs per space (default: all 15,625 NB201 archs, 4,096 elsewhere)")
    add_model(p)  # benchmarks of a family the scoring member was trained on are marked in-family, never averaged
    add_device(p, "TG-NAS and live proxies (Ray tasks then ask for a GPU each)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the study (``run_study`` checks every argument, and the output folder, before any work)."""
    from ..study import run_study
    from ..study.runner import LiveOptions

    opts = LiveOptions(n=args.live_proxies, n_tnb=args.live_tnb, engine=args.engine, workers=args.workers,
                       address=args.ray_address, batch=args.live_batch,
                       timing_archs=args.timing_live_archs, progress=not args.no_progress,
                       only=_live_names(args.live_names), fusion_cost_archs=args.fusion_cost_archs)
    run_study(args.out, data_dir=args.data_dir, n_boot=args.bootstrap, seed=args.seed, live_opts=opts,
              device=args.device, benchmarks=args.benchmarks, heatmap_n=args.heatmap_archs,
              timing_archs=args.timing_archs, checkpoint=args.checkpoint, in_family=args.in_family)
    return 0


def _live_names(text: str | None) -> tuple[str, ...] | None:
    """``--live-names nwot,zen`` -> ('nwot', 'zen'), each a NASLib proxy (ValueError names an unknown one)."""
    if text is None:
        return None
    from .. import checks
    from ..study.data import PROXIES

    names = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    bad = [x for x in names if x not in PROXIES]
    if bad or not names:
        raise checks.ArgumentError(f"--live-names {text!r}: unknown proxy {', '.join(bad) or '(none given)'}; "
                                   f"choose from {', '.join(PROXIES)}")
    return names
