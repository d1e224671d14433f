"""Training the GCN on labelled architecture graphs: deterministic for a seed, grouped cross-validation."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Callable, Sequence

import numpy as np
import torch
from scipy import stats

from ..embedding import OperatorEmbedder
from ..graph import ArchGraph
from .featurize import collate
from .gcn import TGNASGCN


@dataclass
class TrainConfig:
    """Every choice that defines a trained TG-NAS model (stored in the model card)."""

    representation: str = "prune"   # how none/skip enter the graph (see spaces.base.REPRESENTATIONS)
    length: str = "short"           # operator sentence length
    pca: int | None = None          # PCA-64 embeddings or the raw 384-d
    hidden: int = 64
    layers: int = 3
    norm: str = "batch"
    readout: str = "mean"
    dropout: float = 0.1
    undirected: bool = True
    loss: str = "mse"               # mse | rank (pairwise logistic) | mse+rank
    epochs: int = 150
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 3e-6
    lr_step: int = 50               # StepLR step (epochs)
    lr_gamma: float = 0.5
    seed: int = 0

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Build from a dict, ignoring unknown keys."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def to_dict(self) -> dict:
        """Plain dict (JSON-ready)."""
        return asdict(self)

    def build_model(self, in_dim: int) -> TGNASGCN:
        """A fresh, untrained GCN with this config's architecture."""
        return TGNASGCN(in_dim, hidden=self.hidden, layers=self.layers, norm=self.norm, readout=self.readout,
                        dropout=self.dropout, undirected=self.undirected)

    def embedder(self) -> OperatorEmbedder:
        """The operator embedder this config expects."""
        return OperatorEmbedder(self.length, self.pca)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (training is deterministic for a seed on CPU)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pairwise_rank_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """RankNet-style logistic loss over all ordered pairs in the batch."""
    diff_t = target[:, None] - target[None, :]
    diff_p = pred[:, None] - pred[None, :]
    mask = diff_t > 0
    if not mask.any():
        return pred.sum() * 0.0
    return torch.nn.functional.softplus(-diff_p[mask]).mean()


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


def train_gcn(graphs: Sequence[ArchGraph], y: Sequence[float], config: TrainConfig,
              model: TGNASGCN | None = None, progress: bool = False) -> TGNASGCN:
    """Train (or fine-tune ``model``) on graphs with labels ``y`` (standardised here); deterministic per seed."""
    seed_everything(config.seed)
    embedder = config.embedder()
    z, _, _ = standardise(y)
    target = torch.tensor(z, dtype=torch.float32)
    model = model if model is not None else config.build_model(embedder.dim)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
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
        perm = torch.randperm(n, generator=gen).tolist()
        for start in range(0, n, config.batch_size):
            idx = perm[start:start + config.batch_size]
            if len(idx) < 2:  # batch norm needs two graphs
                continue
            b = collate([graphs[i] for i in idx], embedder)
            pred = model(b.x, b.edge_index, b.batch, len(idx))
            loss = loss_fn(pred, target[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    return model


@torch.no_grad()
def predict(models: Sequence[TGNASGCN], graphs: Sequence[ArchGraph], embedder: OperatorEmbedder,
            batch_size: int = 16384, device: str | torch.device = "cpu") -> np.ndarray:
    """Mean prediction of an ensemble of GCNs for every graph (disconnected graphs included; no masking here)."""
    out = np.empty(len(graphs), dtype=np.float64)
    for start in range(0, len(graphs), batch_size):
        chunk = graphs[start:start + batch_size]
        b = collate(chunk, embedder, device)
        preds = [m.to(device).eval()(b.x, b.edge_index, b.batch, len(chunk)) for m in models]
        out[start:start + len(chunk)] = torch.stack(preds).mean(0).cpu().numpy()
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
    embedder = config.embedder()
    for fold, test_idx in enumerate(grouped_folds(groups, k, seed=config.seed)):
        train_idx = np.setdiff1d(np.arange(len(graphs)), test_idx)
        models = []
        for member in range(ensemble):
            cfg = TrainConfig.from_dict({**config.to_dict(), "seed": config.seed * 1000 + fold * 10 + member})
            models.append(train_gcn([graphs[i] for i in train_idx], y[train_idx], cfg))
        oof[test_idx] = predict(models, [graphs[i] for i in test_idx], embedder)
        per_fold.append(stats.spearmanr(oof[test_idx], y[test_idx])[0])
    return {
        "spearman": float(stats.spearmanr(oof, y)[0]),
        "kendall": float(stats.kendalltau(oof, y)[0]),
        "spearman_fold_mean": float(np.mean(per_fold)),
        "spearman_fold_std": float(np.std(per_fold)),
        "k": k,
    }
