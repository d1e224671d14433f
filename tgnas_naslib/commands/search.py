"""``tgnas search``: find an architecture with TG-NAS (evolution, pruning, both, or random), then show its
ground truth when the data directory has it."""

from __future__ import annotations

import argparse
import json
import sys
import time

from . import add_data_dir, add_device, add_model, load_model, seed_type


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``tgnas search``."""
    from ..search import SEARCH_SPACES, SEARCHERS

    p = sub.add_parser("search", help="search a space for the best architecture by TG-NAS score",
                       description="Search with TG-NAS scores only (no data, no training); ground truth, when the "
                                   "data directory has it, is looked up after the search. Deterministic for a seed.")
    p.add_argument("--space", default="nasbench201",
                   help=f"search space: {', '.join(SEARCH_SPACES)} (or nb201, darts, tnb101_micro)")
    p.add_argument("--method", default="evolution", choices=list(SEARCHERS),
                   help="evolution (TG-NAS Algorithm 1), prune (TG-NAS v1), hybrid (both, the better wins) or "
                        "random (baseline)")
    p.add_argument("--seed", type=seed_type, default=0,
                   help="random seed of the search (default 0); the same seed gives the same result")
    p.add_argument("--budget", type=int, default=None,
                   help="most architectures scored (default: the method's default for the space)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_data_dir(p, " for the ground truth")
    add_model(p)
    add_device(p)
    p.set_defaults(run=run)


def _print_text(doc: dict) -> None:
    print(f"method    {doc['method']} (seed {doc['seed']})")
    print(f"space     {doc['space']}")
    m = doc["model"]
    print(f"model     {m['model']}{'' if m['member'] == m['model'] else ' member ' + m['member']} ({m['evaluation']}; "
          f"trained on {m['trained_on']})")
    print(f"arch      {doc['arch']}")
    score = doc["score"]
    print(f"score     {score:.4f} (TG-NAS; higher is better)" if score is not None else "score     -inf")
    print(f"scored    {doc['n_scored']} architectures (budget {doc['budget']}) in {doc['seconds']:.2f} s "
          f"(+ {doc['load_seconds']:.2f} s loading the model)")
    truth = doc["ground_truth"]
    print(f"ground truth: {truth['note']}")
    for task, t in truth["tasks"].items():
        print(f"  {task:<16} {t['val_accuracy']:9.4f}   rank {t['rank']:>5} / {t['n']} (top {t['top_percent']:.2f}%; "
              f"best {t['best']:.4f})")


def run(args: argparse.Namespace) -> int:
    """Search, look the result up, print."""
    from ..search import search
    from ..search.base import search_space
    from ..search.ground_truth import lookup

    space = search_space(args.space)  # fail on a bad space before loading the model
    t0 = time.perf_counter()
    model = load_model(args)
    load_seconds = time.perf_counter() - t0
    result = search(args.method, model, space.name, budget=args.budget, seed=args.seed)
    doc = {**result.to_dict(), "load_seconds": round(load_seconds, 3),
           "ground_truth": lookup(space.name, result.arch, args.data_dir)}
    if args.json:
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _print_text(doc)
    return 0
