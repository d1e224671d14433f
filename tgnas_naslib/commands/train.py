"""``tgnas train``: train a TG-NAS model on the NB101 architectures of the data directory."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``tgnas train``."""
    p = sub.add_parser("train", help="train the GCN on the 500 labelled NB101 architectures",
                       description="Train on nasbench101/zc_nasbench101_500.json from the data directory; "
                                   "deterministic for a seed; writes the checkpoint and its model card.")
    p.add_argument("--data-dir", default=None, help="benchmark data directory (default: $TGNAS_DATA_DIR)")
    p.add_argument("--out", default="tgnas_nb101.pt", help="checkpoint path (a .card.json is written beside it)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ensemble", type=int, default=None, help="number of seeds in the ensemble")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--cv-folds", type=int, default=5, help="grouped CV folds for the model card (0: skip)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train and save."""
    from ..model.pretrain import DEFAULT_CONFIG, DEFAULT_ENSEMBLE, pretrain
    from ..model.train import TrainConfig

    overrides = {"seed": args.seed}
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    config = TrainConfig.from_dict({**DEFAULT_CONFIG.to_dict(), **overrides})
    _, card = pretrain(args.out, args.data_dir, config, ensemble=args.ensemble or DEFAULT_ENSEMBLE,
                       cv_folds=args.cv_folds)
    print(json.dumps({"checkpoint": args.out, "nb101_grouped_cv": card["nb101_grouped_cv"],
                      "trained_on": card["training_data"]}, indent=1))
    return 0
