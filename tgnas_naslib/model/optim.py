"""What every trainer of a TG-NAS model shares: the ranking loss, the optimiser (AdamW at the config's rate and
decay) and one step."""

from __future__ import annotations

from typing import Any

import torch


def adamw(model: torch.nn.Module, config: Any) -> torch.optim.Optimizer:
    """AdamW over the model's parameters at ``config.lr`` and ``config.weight_decay``."""
    return torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


def descend(opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One optimisation step on ``loss``: gradients cleared, back-propagated, applied."""
    opt.zero_grad()
    loss.backward()
    opt.step()


def pairwise_rank_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """RankNet-style logistic loss over all ordered pairs in the batch."""
    diff_t = target[:, None] - target[None, :]
    diff_p = pred[:, None] - pred[None, :]
    mask = diff_t > 0
    if not mask.any():
        return pred.sum() * 0.0
    return torch.nn.functional.softplus(-diff_p[mask]).mean()
