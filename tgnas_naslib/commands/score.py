"""``tgnas score``: score given architectures, or enumerate a whole space and list the best."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from ..spaces import SPACES, get_space


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``tgnas score``."""
    p = sub.add_parser("score", help="score architectures with the TG-NAS proxy",
                       description="Score architectures (no data, no training). Higher is better.")
    p.add_argument("--space", required=True, help=f"search space: {', '.join(SPACES)} (or nb201, darts, ...)")
    p.add_argument("--arch", action="append", default=[],
                   help="an architecture in any encoding of the space (NB201 string or 6-tuple, DARTS genotype, "
                        "NB101 56-tuple...); repeat for several")
    p.add_argument("--all", action="store_true", help="enumerate the whole space (NB201, TNB101 micro/macro)")
    p.add_argument("--top", type=int, default=None, help="with --all: show only the N best")
    p.add_argument("--json", action="store_true", help="machine-readable output (one record per architecture)")
    p.add_argument("--checkpoint", default=None, help="a checkpoint from `tgnas train` (default: the shipped model)")
    p.add_argument("--device", default="cpu", help="torch device (cpu, cuda, ...)")
    p.set_defaults(run=run)


def _record(space, arch, score: float, rank: int) -> dict:
    finite = math.isfinite(score)
    canon = space.canonical(arch)
    return {"rank": rank, "arch": space.format(arch), "encoding": canon if isinstance(canon, tuple) else str(canon),
            "score": score if finite else None, "connected": finite}


def run(args: argparse.Namespace) -> int:
    """Score and print."""
    import numpy as np

    from ..api import TGNAS

    space = get_space(args.space)
    if args.all == bool(args.arch):
        raise ValueError("give either --arch (one or more) or --all")
    if args.all and space.size() is None:
        raise ValueError(f"{space.name} is not enumerable (too large): score given architectures with --arch")
    if args.top is not None and args.top < 1:
        raise ValueError("--top must be a positive number")
    t0 = time.time()
    model = TGNAS.load(args.checkpoint, device=args.device) if args.checkpoint else TGNAS.pretrained(args.device)
    archs = list(space.enumerate()) if args.all else [space.canonical(a) for a in args.arch]
    scores = model.score(archs, space=space.name, progress=args.all and not args.json)
    order = np.argsort(-scores, kind="stable") if args.all else np.arange(len(archs))
    if args.top:
        order = order[: args.top]
    # ranks among everything scored (1 = best), ties share the better rank
    ranks = (-scores).argsort(kind="stable").argsort() + 1
    records = [_record(space, archs[i], float(scores[i]), int(ranks[i])) for i in order]
    seconds = time.time() - t0
    if args.json:
        json.dump({"space": space.name, "n_scored": len(archs), "seconds": round(seconds, 3),
                   "model": model.meta.get("trained_on"), "results": records}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    width = max(len(r["arch"]) for r in records) if records else 4
    print(f"{'rank':>6}  {'score':>8}  arch")
    for r in records:
        s = f"{r['score']:8.4f}" if r["connected"] else "    -inf"
        print(f"{r['rank']:>6}  {s}  {r['arch']:<{width}}")
    trained = model.meta.get("trained_on", {})
    print(f"# {len(archs)} architectures of {space.name} scored in {seconds:.2f} s by the TG-NAS model trained on "
          f"{trained.get('space', '?')} ({trained.get('n_archs', '?')} archs); -inf = no input->output path",
          file=sys.stderr)
    return 0
