"""``tgnas train``: train the shipped model on the 500 labelled NB101 architectures and write its model card."""

from __future__ import annotations

import time
from pathlib import Path

from ..extras import require
from ..model.checkpoint import sha256
from ..model.config import TrainConfig
from ..model.train import cross_validate
from ..outputs import output_file
from ..paths import require_file
from ..spaces import to_graph
from .ensemble import finish, train_ensemble

NB101_FILE = "nasbench101/zc_nasbench101_500.json"

#: The shipped recipe. Chosen with NB101 grouped 5-fold CV and the NB301 500 as validation family only (NB201 and
#: TNB101 labels were never looked at for these choices): the text-only recipe of the earlier model selection, plus
#: the shape context picked by experiments/shape_selection.py (docs/shape_aware.md): scale-free node features, a
#: linear network-size term, mean+sum readout, and the fixed fusion + log10(network FLOPs).
DEFAULT_CONFIG = TrainConfig(loss="rank", shape_features="rel+size", readout="mean+sum", flops_fusion=1.0)
DEFAULT_ENSEMBLE = 5


def load_nb101(data_dir: str | Path | None = None, representation: str = "prune"):
    """NB101 training set: (graphs, val_accuracy, duplicate groups by pruned graph, archs, path)."""
    from ..datasets import load_benchmark

    path = require_file(NB101_FILE, data_dir)
    bench = load_benchmark("nb101_500", data_dir)
    archs, y = bench.archs, bench.y
    graphs = [to_graph(a, "nasbench101", representation) for a in archs]
    groups = [g.wl_hash() for g in graphs]
    return graphs, y, groups, archs, path


def pretrain(out: str | Path, data_dir: str | Path | None = None, config: TrainConfig = DEFAULT_CONFIG,
             ensemble: int = DEFAULT_ENSEMBLE, cv_folds: int = 5, progress: bool = True):
    """Train a seed ensemble on NB101 (after grouped CV for the card), save it to ``out``; returns the TGNAS."""
    torch_geometric = require("torch_geometric", "training")
    output_file(out, "out", "model.pt")  # checked before the training, not after it

    t0 = time.time()
    graphs, y, groups, _, path = load_nb101(data_dir, config.representation)
    if cv_folds > len(set(groups)):  # more folds than distinct graphs: empty folds (and no end for a huge number)
        raise ValueError(f"--cv-folds {cv_folds}: NB101 has {len(set(groups))} distinct graphs, so at most that many "
                         "folds (0 skips CV)")
    cv = cross_validate(graphs, y, groups, config, k=cv_folds) if cv_folds > 1 else None
    members = train_ensemble(graphs, y, config, ensemble, progress=progress)
    meta = {
        "trained_on": {"space": "nasbench101", "task": "cifar10", "file": NB101_FILE, "n_archs": len(graphs),
                       "n_distinct_graphs": len(set(groups)), "label": "val_accuracy"},
        "label_mean": float(y.mean()), "label_std": float(y.std()),
        "ensemble": ensemble,
    }
    card = {
        "name": f"TG-NAS (NB101-trained, operator embedder {config.embedder_model}, shape features "
                f"{config.shape_features}{', + log10 FLOPs' if config.flops_fusion else ''})",
        "training_families": ["nb101"],
        "never_trained_on": ["nb201", "nb301", "nbmacro"],
        "embedder": config.embedder().config,
        "training_data": {"file": NB101_FILE, "sha256": sha256(path), "n_archs": len(graphs),
                          "n_distinct_pruned_graphs": len(set(groups))},
        "selection_data": "NB101 grouped 5-fold CV and NAS-Bench-301 (500 archs) as validation family; "
                          "NB201 and TransNAS-Bench-101 labels were not used for training or selection",
        "selection": "experiments/shape_selection.py (docs/shape_aware.md): rule (CV rho + NB301 rho) / 2",
        "shape_features": {"set": config.shape_features, "node": list(config.node_features),
                           "graph": list(config.graph_features), "flops_fusion": config.flops_fusion},
        "nb101_grouped_cv": cv,
    }
    model, card = finish(members, config, meta, card, ensemble, t0,
                         extra_versions={"torch_geometric": torch_geometric.__version__})
    model.save(out, card)
    return model, card
