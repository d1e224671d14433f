"""``tgnas train``: train a TG-NAS model on NB101 (the shipped recipe) or on several labelled spaces pooled."""

from __future__ import annotations

import argparse
import json

from . import add_data_dir, int_at_least, seed_type


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``tgnas train``."""
    p = sub.add_parser("train", help="train the GCN (default: on the 500 labelled NB101 architectures)",
                       description="Train on nasbench101/zc_nasbench101_500.json from the data directory, or with "
                                   "--sources / --leave-out-for on several labelled spaces pooled (labels "
                                   "standardised per benchmark task); deterministic for a seed; writes the "
                                   "checkpoint and its model card.")
    add_data_dir(p)
    p.add_argument("--recipe", default="nb101", choices=("nb101", "universal"),
                   help="nb101: the paper's setting, 500 labelled NB101 cells (default); universal: whole-network "
                        "graphs of every labelled family (nb101, nb201 = NB201 + TNB101-micro, nb301, nbmacro), "
                        "see docs/universal.md")
    p.add_argument("--hold-out", default=None, metavar="BENCH:N",
                   help="with --recipe universal: keep a fixed seeded draw of N architectures of a benchmark out of "
                        "training (e.g. nb101_500:100, to measure fresh in-family archs); the card lists them")
    p.add_argument("--leave-out", default=None, metavar="FAMILY",
                   help="with --recipe universal: train without this family (comma list allowed), e.g. nb201 for "
                        "the leave-family-out model that is zero-shot on NB201 and TNB101-micro")
    p.add_argument("--out", default="tgnas_nb101.pt", help="checkpoint path (a .card.json is written beside it)")
    p.add_argument("--seed", type=seed_type, default=0,
                   help="seed of the first ensemble member (default 0; deterministic)")
    p.add_argument("--ensemble", type=int_at_least(1), default=None, help="number of seeds in the ensemble")
    p.add_argument("--epochs", type=int_at_least(1), default=None, help="training epochs (default: the recipe's)")
    p.add_argument("--cv-folds", type=int_at_least(2, zero_means="skip CV"), default=5,
                   help="grouped CV folds for the model card (0: skip)")
    p.add_argument("--shape-features", default=None, choices=("none", "node", "node+net"),
                   help="numeric node features besides the operator text: none (text only), node (each node's "
                        "channels, size, stride, kernel, groups, FLOPs, params), node+net (also the network's FLOPs "
                        "and params); default: the shipped recipe's")
    p.add_argument("--embedder", default=None, metavar="MODEL",
                   help="operator sentence model: all-MiniLM-L6-v2 (default) or all-MiniLM-L6-v2-nas (NAS-tuned)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--sources", default=None,
                       help="pool these families: comma list of nb101, nb201, nb301, tnb101_micro, or all")
    which.add_argument("--leave-out-for", default=None, metavar="SPACE",
                       help="pool every family except the target space's own (nasbench201, nasbench301, "
                            "transbench101_micro, nasbench101)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train and save."""
    from ..model.train import TrainConfig
    from ..outputs import output_file
    from ..training.pretrain import DEFAULT_CONFIG, DEFAULT_ENSEMBLE, pretrain

    output_file(args.out, "--out", "model.pt")  # a folder, a read-only place: refused before training, not after
    overrides = {"seed": args.seed}
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    if args.shape_features is not None:
        overrides["shape_features"] = args.shape_features
    if args.embedder is not None:
        from ..embedding.embedder import MODELS

        if args.embedder not in MODELS:
            raise ValueError(f"unknown --embedder {args.embedder!r}; choose from {', '.join(MODELS)}")
        overrides["embedder_model"] = args.embedder
    if args.recipe == "universal":
        return _run_universal(args, overrides)
    if args.hold_out is not None:
        raise ValueError("--hold-out belongs to --recipe universal")
    if args.leave_out is not None:
        raise ValueError("--leave-out belongs to --recipe universal (the nb101 recipe trains on NB101 only; "
                         "--leave-out-for pools the older cell-graph families)")
    config = TrainConfig.from_dict({**DEFAULT_CONFIG.to_dict(), **overrides})
    if args.sources or args.leave_out_for:
        from ..training.multisource import leave_family_out, parse_families, train_multisource

        families = parse_families(args.sources) if args.sources else leave_family_out(args.leave_out_for)
        model, card = train_multisource(families, args.data_dir, config, ensemble=args.ensemble or 3, progress=True)
        model.save(args.out, card)
        print(json.dumps({"checkpoint": args.out, "trained_on": card["training_data"]["families"],
                          "never_trained_on": card["never_trained_on"],
                          "samples": {s["benchmark"]: s["n_samples"] for s in card["training_data"]["sources"]}},
                         indent=1))
        return 0
    _, card = pretrain(args.out, args.data_dir, config, ensemble=args.ensemble or DEFAULT_ENSEMBLE,
                       cv_folds=args.cv_folds)
    print(json.dumps({"checkpoint": args.out, "nb101_grouped_cv": card["nb101_grouped_cv"],
                      "trained_on": card["training_data"]}, indent=1))
    return 0


def _run_universal(args: argparse.Namespace, overrides: dict) -> int:
    """``tgnas train --recipe universal [--leave-out FAMILY]``."""
    from ..model.train import TrainConfig
    from ..training.universal import UNIVERSAL_CONFIG, UNIVERSAL_ENSEMBLE, parse_hold_out, train_universal

    if args.sources or args.leave_out_for or args.shape_features or args.embedder:
        raise ValueError("--recipe universal fixes its graphs, features and embedder: drop --sources, "
                         "--leave-out-for, --shape-features and --embedder (use --leave-out FAMILY)")
    config = TrainConfig.from_dict({**UNIVERSAL_CONFIG.to_dict(), **overrides})
    model, card = train_universal(args.leave_out, args.data_dir, config,
                                  ensemble=args.ensemble if args.ensemble is not None else UNIVERSAL_ENSEMBLE,
                                  progress=True, hold_out=parse_hold_out(args.hold_out))
    model.save(args.out, card)
    print(json.dumps({"checkpoint": args.out, "recipe": "universal", "trained_on": card["training_families"],
                      "never_trained_on": card["never_trained_on"], "train_seconds": card["train_seconds"],
                      "samples": {s["benchmark"]: s["n_samples"] for s in card["training_data"]["sources"]}},
                     indent=1))
    return 0
