"""Training the GCN on labelled architecture graphs: deterministic for a seed, grouped cross-validation."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from ..extras import require
from ..graph import ArchGraph
from ..seeding import seed_everything
from ..threads import torch_threads
from .config import TrainConfig
from .featurize import collate, graph_matrix, node_weights, shape_matrix
from .optim import adamw, descend, pairwise_rank_loss

stats = require("scipy.stats", "training")
from .gcn import TGNASGCN  # noqa: E402 -- after the scipy check, as the extras work decided

__all__ = ["TrainConfig", "train_gcn", "predict", "cross_validate", "grouped_folds", "seed_everything"]


def _loss_fn(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    if name == "mse":
        return torch.nn.functional.mse_loss
    if name == "rank":
        return pairwise_rank_loss
    if name == "mse+rank":
        return lambda p, t: torch.nn.functional.mse_loss(p, t) + pairwise_rank_loss(p, t)
    raise ValueError(f"unknown loss {name!r}; choose mse, rank or mse+rank")


def standardise(y: Sequence[float]) -> tuple[np.ndarray, float, float]:
    """z-score labels (per training space); returns (z, mean, std)."""
    y = np.asarray(y, dtype=np.float64)
    mean, std = float(y.mean()), float(y.std() or 1.0)
    return (y - mean) / std, mean, std


def _batch_plan(n: int, batch_size: int, gen: torch.Generator, tasks: np.ndarray | None,
                per_task: dict[str, int] | None) -> list[list[int]]:
    """One epoch's mini-batches: a seeded permutation cut into batches; with ``tasks``, every batch holds one task.

    ``per_task`` caps how many samples of each task one epoch draws (fresh random ones every epoch), which keeps
    a 15,625-arch space from drowning a 500-arch one when sources are pooled.
    """
    if tasks is None:
        perm = torch.randperm(n, generator=gen).tolist()
        return [perm[s:s + batch_size] for s in range(0, n, batch_size)]
    batches: list[list[int]] = []
    for task in sorted(set(tasks.tolist())):
        idx = np.nonzero(tasks == task)[0]
        take = idx[torch.randperm(len(idx), generator=gen).numpy()][:(per_task or {}).get(task, len(idx))].tolist()
        batches += [take[s:s + batch_size] for s in range(0, len(take), batch_size)]
    order = torch.randperm(len(batches), generator=gen).tolist()
    return [batches[i] for i in order]


def standardise_per_task(y: Sequence[float], tasks: Sequence[str] | None) -> np.ndarray:
    """z-score labels within each task (one task when ``tasks`` is None): pooled spaces become comparable."""
    y = np.asarray(y, dtype=np.float64)
    if tasks is None:
        return standardise(y)[0]
    tasks = np.asarray(tasks)
    z = np.empty_like(y)
    for task in set(tasks.tolist()):
        mask = tasks == task
        z[mask] = standardise(y[mask])[0]
    return z


class Prepared:
    """The training graphs as arrays, computed once: operator ids into one embedding table, numeric node features,
    edges, node instances and graph features; :meth:`batch` stacks any subset into the GCN's inputs."""

    def __init__(self, graphs: Sequence[ArchGraph], config: TrainConfig) -> None:
        embedder = config.embedder()
        vocab: dict[str, int] = {}
        op_ids = np.fromiter((vocab.setdefault(op, len(vocab)) for g in graphs for op in g.ops), dtype=np.int64)
        self.table = torch.from_numpy(embedder.embed(list(vocab)))
        self.sizes = np.fromiter((g.num_nodes for g in graphs), dtype=np.int64, count=len(graphs))
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)])
        self.op_ids = op_ids
        self.feats = (shape_matrix(graphs, config.node_features) if config.node_features
                      else np.zeros((len(op_ids), 0), np.float32))
        self.weights = node_weights(graphs)
        self.edges = [np.asarray(g.edges, dtype=np.int64).reshape(-1, 2) for g in graphs]
        self.gfeat = (graph_matrix(graphs, config.graph_features) if config.graph_features
                      else np.zeros((len(graphs), 0), np.float32))

    def batch(self, idx: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(x, edge_index, batch vector, graph features, node weights) of the graphs ``idx``."""
        nodes = np.concatenate([np.arange(self.starts[i], self.starts[i + 1]) for i in idx])
        sizes = self.sizes[idx]
        offsets = np.cumsum(sizes) - sizes
        edges = np.concatenate([self.edges[i] + off for i, off in zip(idx, offsets)]).T
        x = self.table[torch.from_numpy(self.op_ids[nodes])]
        if self.feats.shape[1]:
            x = torch.cat([x, torch.from_numpy(self.feats[nodes])], 1)
        batch = torch.repeat_interleave(torch.arange(len(idx)), torch.from_numpy(sizes))
        return (x, torch.from_numpy(np.ascontiguousarray(edges)), batch, torch.from_numpy(self.gfeat[idx]),
                torch.from_numpy(self.weights[nodes]))


def train_gcn(graphs: Sequence[ArchGraph], y: Sequence[float], config: TrainConfig,
              model: TGNASGCN | None = None, progress: bool = False, tasks: Sequence[str] | None = None,
              per_task: dict[str, int] | None = None) -> TGNASGCN:
    """Train (or fine-tune ``model``) on graphs with labels ``y``; deterministic per seed.

    Labels are standardised here, per task when ``tasks`` (one name per sample) is given; then every mini-batch
    is drawn from one task, so the rank loss only compares architectures measured on the same benchmark.
    Runs on one CPU thread: mini-batches of 32 small graphs ran ~25x slower with 2 threads on a busy 2-core machine.
    """
    with torch_threads(1):
        return _train(graphs, y, config, model, progress, tasks, per_task)


def _train(graphs: Sequence[ArchGraph], y: Sequence[float], config: TrainConfig, model: TGNASGCN | None,
           progress: bool, tasks: Sequence[str] | None, per_task: dict[str, int] | None) -> TGNASGCN:
    seed_everything(config.seed)
    embedder = config.embedder()
    prepared = Prepared(graphs, config)
    target = torch.tensor(standardise_per_task(y, tasks), dtype=torch.float32)
    task_arr = None if tasks is None else np.asarray([str(t) for t in tasks])
    if task_arr is not None and len(task_arr) != len(graphs):
        raise ValueError(f"got {len(graphs)} graphs but {len(task_arr)} task names")
    if model is None:
        model = config.build_model(embedder.dim)
        if config.node_features:  # standardise shape features with the training graphs' statistics
            model.set_shape_stats(torch.from_numpy(prepared.feats))
        if config.graph_features:
            model.set_size_stats(torch.from_numpy(prepared.gfeat))
    opt = adamw(model, config)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=config.lr_step, gamma=config.lr_gamma)
    loss_fn = _loss_fn(config.loss)
    gen = torch.Generator().manual_seed(config.seed)
    n = len(graphs)
    graphs = list(graphs)
    epochs = range(config.epochs)
    if progress:
        from tqdm import tqdm

        epochs = tqdm(epochs, desc="training GCN", unit="epoch")
    model.train()
    for _ in epochs:
        for idx in _batch_plan(n, config.batch_size, gen, task_arr, per_task):
            if len(idx) < 2:  # batch norm needs two graphs
                continue
            x, edge_index, batch, gfeat, weight = prepared.batch(idx)
            pred = model(x, edge_index, batch, len(idx), gfeat=gfeat, weight=weight)
            loss = loss_fn(pred, target[idx])
            descend(opt, loss)
        sched.step()
    model.eval()
    return model


@torch.no_grad()
def predict(models: Sequence[TGNASGCN], graphs: Sequence[ArchGraph], config: "TrainConfig",
            batch_size: int = 16384, device: str | torch.device = "cpu") -> np.ndarray:
    """Mean prediction of an ensemble of GCNs for every graph (disconnected graphs included; no masking here)."""
    out = np.empty(len(graphs), dtype=np.float64)
    embedder = config.embedder()
    for start in range(0, len(graphs), batch_size):
        chunk = graphs[start:start + batch_size]
        b = collate(chunk, embedder, device, config.node_features, config.graph_features)
        preds = [m.to(device).eval()(b.x, b.edge_index, b.batch, len(chunk), gfeat=b.gfeat, weight=b.w)
                 for m in models]
        out[start:start + len(chunk)] = torch.stack(preds).mean(0).cpu().numpy()
    if config.flops_fusion:  # the fixed fusion, as the scoring engine applies it
        out += config.flops_fusion * np.log10([g.cost.flops for g in graphs])  # type: ignore[union-attr]
    return out


def grouped_folds(groups: Sequence, k: int, seed: int = 0) -> list[np.ndarray]:
    """Split sample indices into k folds so that all samples of a group share a fold (seeded)."""
    groups = np.asarray([str(g) for g in groups])
    uniq = np.unique(groups)
    rng = np.random.default_rng(seed)
    rng.shuffle(uniq)
    fold_of = {g: i % k for i, g in enumerate(uniq)}
    assignment = np.array([fold_of[g] for g in groups])
    return [np.nonzero(assignment == i)[0] for i in range(k)]


def cross_validate(graphs: Sequence[ArchGraph], y: Sequence[float], groups: Sequence, config: TrainConfig,
                   k: int = 5, ensemble: int = 1) -> dict:
    """Grouped k-fold CV: Spearman / Kendall of out-of-fold predictions (pooled) and per fold (mean)."""
    graphs = list(graphs)
    y = np.asarray(y, dtype=np.float64)
    oof = np.empty(len(graphs))
    per_fold = []
    for fold, test_idx in enumerate(grouped_folds(groups, k, seed=config.seed)):
        train_idx = np.setdiff1d(np.arange(len(graphs)), test_idx)
        models = []
        for member in range(ensemble):
            cfg = TrainConfig.from_dict({**config.to_dict(), "seed": config.seed * 1000 + fold * 10 + member})
            models.append(train_gcn([graphs[i] for i in train_idx], y[train_idx], cfg))
        oof[test_idx] = predict(models, [graphs[i] for i in test_idx], config)
        per_fold.append(stats.spearmanr(oof[test_idx], y[test_idx])[0])
    return {
        "spearman": float(stats.spearmanr(oof, y)[0]),
        "kendall": float(stats.kendalltau(oof, y)[0]),
        "spearman_fold_mean": float(np.mean(per_fold)),
        "spearman_fold_std": float(np.std(per_fold)),
        "k": k,
    }
