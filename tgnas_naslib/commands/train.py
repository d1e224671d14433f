"""``tgnas train``: train a TG-NAS model on NB101 (the paper's recipe), on several labelled families pooled, or with the
universal recipe; ``--families`` / ``--leave-out`` choose the families of either recipe, in one vocabulary (the
families of :mod:`tgnas_naslib.training.universal`)."""

from __future__ import annotations

import argparse
import json

from . import add_data_dir, int_at_least, seed_type


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``tgnas train``."""
    p = sub.add_parser("train", help="train the GCN (default: on the 500 labelled NB101 architectures)",
                       description="Train on nasbench101/zc_nasbench101_500.json from the data directory, or with "
                                   "--families / --leave-out on several labelled families pooled (labels "
                                   "standardised per benchmark task); deterministic for a seed; writes the "
                                   "checkpoint and its model card.")
    add_data_dir(p)
    p.add_argument("--recipe", default="nb101", choices=("nb101", "universal", "hier"),
                   help="nb101: the paper's setting, cell graphs, by default of the 500 labelled NB101 cells; "
                        "universal: whole-network graphs of every labelled family, see docs/universal.md; hier: the "
                        "hierarchical model (skeletons of block graphs + a monotone size term) on every labelled "
                        "family, see docs/hierarchical.md")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--families", default=None, metavar="LIST",
                       help=f"train on these families pooled: comma list of {FAMILY_HELP}, or all (default: "
                            "nb101 for --recipe nb101, all for --recipe universal / hier)")
    which.add_argument("--leave-out", default=None, metavar="FAMILY",
                       help="train on every family but this one (comma list allowed), e.g. nb201 (or "
                            "nasbench201) for the leave-family-out model that is zero-shot on NB201 and "
                            "TNB101-micro")
    p.add_argument("--hold-out", default=None, metavar="BENCH:N",
                   help="with --recipe universal / hier: keep a fixed seeded draw of N architectures of a benchmark "
                        "out of training (e.g. nb101_500:100, to measure fresh in-family archs); the card lists them")
    p.add_argument("--out", default="tgnas_nb101.pt", help="checkpoint path (a .card.json is written beside it)")
    p.add_argument("--seed", type=seed_type, default=0,
                   help="seed of the first ensemble member (default 0; deterministic)")
    p.add_argument("--ensemble", type=int_at_least(1), default=None, help="number of seeds in the ensemble")
    p.add_argument("--epochs", type=int_at_least(1), default=None, help="training epochs (default: the recipe's)")
    p.add_argument("--cv-folds", type=int_at_least(2, zero_means="skip CV"), default=5,
                   help="grouped CV folds for the model card (0: skip; NB101 alone only)")
    p.add_argument("--shape-features", default=None, choices=("none", "node", "node+net"),
                   help="numeric node features besides the operator text: none (text only), node (each node's "
                        "channels, size, stride, kernel, groups, FLOPs, params), node+net (also the network's FLOPs "
                        "and params); default: the shipped recipe's")
    p.add_argument("--embedder", default=None, metavar="MODEL",
                   help="operator sentence model: all-MiniLM-L6-v2 (default) or all-MiniLM-L6-v2-nas (NAS-tuned)")
    p.set_defaults(run=run)


#: the family vocabulary of --families / --leave-out (training/universal.py's FAMILIES), for the help
FAMILY_HELP = "nb101, nb201 (NB201 + TNB101-micro), nb301, nbmacro (or a space name for its family)"


def chosen_families(args: argparse.Namespace) -> tuple[str, ...] | None:
    """The families ``--families`` / ``--leave-out`` name (one vocabulary for both recipes), or None for neither."""
    from ..training.multisource import parse_families
    from ..training.universal import training_families

    if args.families is not None:
        return parse_families(args.families)
    if args.leave_out is not None:
        families = training_families(args.leave_out)
        if not families:
            raise ValueError(f"--leave-out {args.leave_out} leaves no family to train on")
        return families
    return None


def run(args: argparse.Namespace) -> int:
    """Train and save."""
    from ..model.train import TrainConfig
    from ..outputs import output_file
    from ..training.pretrain import DEFAULT_CONFIG, DEFAULT_ENSEMBLE, pretrain

    output_file(args.out, "--out", "model.pt")  # a folder, a read-only place: refused before training, not after
    families = chosen_families(args)
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
    if args.recipe in ("universal", "hier"):
        return _run_universal(args, overrides, families)
    if args.hold_out is not None:
        raise ValueError("--hold-out belongs to --recipe universal / hier")
    config = TrainConfig.from_dict({**DEFAULT_CONFIG.to_dict(), **overrides})
    if families not in (None, ("nb101",)):  # the nb101 recipe's cell graphs, several families pooled
        from ..training.multisource import train_multisource

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


def _run_universal(args: argparse.Namespace, overrides: dict, families: tuple[str, ...] | None) -> int:
    """``tgnas train --recipe universal|hier [--families LIST | --leave-out FAMILY]``: a multi-family recipe of
    ``training/universal.py`` (its config and ensemble size from ``RECIPES``)."""
    from ..model.train import TrainConfig
    from ..training.universal import FAMILIES, RECIPES, parse_hold_out, train_universal

    if args.shape_features or args.embedder:
        raise ValueError(f"--recipe {args.recipe} fixes its graphs, features and embedder: drop --shape-features and "
                         "--embedder")
    base, ensemble = RECIPES[args.recipe]
    config = TrainConfig.from_dict({**base.to_dict(), **overrides})
    left_out = [f for f in FAMILIES if families is not None and f not in families]
    model, card = train_universal(left_out or None, args.data_dir, config,
                                  ensemble=args.ensemble if args.ensemble is not None else ensemble,
                                  progress=True, recipe=args.recipe, hold_out=parse_hold_out(args.hold_out))
    model.save(args.out, card)
    print(json.dumps({"checkpoint": args.out, "recipe": args.recipe, "trained_on": card["training_families"],
                      "never_trained_on": card["never_trained_on"], "train_seconds": card["train_seconds"],
                      "samples": {s["benchmark"]: s["n_samples"] for s in card["training_data"]["sources"]}},
                     indent=1))
    return 0
