"""Where traced layers get their shapes and costs: one forward pass on a zero tensor records every leaf module's
input / output shape, and its FLOPs and parameters are counted with the same rules as the space adapters use
(:mod:`tgnas_naslib.shapes`, NASLib's torchstat convention). Functional ops (``x + y``, ``torch.cat``) count no FLOPs,
as in torchstat. Counts are per sample (the batch dimension divided out)."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ..network.raw import LayerStat, network_cost
from ..shapes import Cost

__all__ = ["LayerStat", "layer_stat", "network_cost"]

_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.PReLU, nn.ELU, nn.LeakyReLU)
_POOLS = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)
_ADAPTIVE = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


def _first(v: Any) -> torch.Tensor | None:
    if isinstance(v, torch.Tensor):
        return v
    if isinstance(v, (list, tuple)):
        for x in v:
            t = _first(x)
            if t is not None:
                return t
    if isinstance(v, dict):
        return _first(list(v.values()))
    return None


def _geometry(t: torch.Tensor | None) -> tuple[int, float]:
    """(channels, spatial size) of a tensor: [B, C, H, W] -> (C, sqrt(H*W)); [B, ..., F] -> (F, 1)."""
    if t is None or t.dim() == 0:
        return 1, 1.0
    if t.dim() >= 3:
        return int(t.shape[1]), float(math.prod(t.shape[2:])) ** (1.0 / (t.dim() - 2))
    return int(t.shape[-1]), 1.0


def _int(v: Any) -> int:
    return int(v[0]) if isinstance(v, (tuple, list)) else int(v)


def _flops(module: nn.Module, inp: torch.Tensor | None, out: torch.Tensor | None, batch: int) -> float:
    """torchstat's FLOPs of one leaf module call, per sample."""
    if inp is None or out is None:
        return 0.0
    if isinstance(module, nn.modules.conv._ConvNd):
        k = math.prod(module.kernel_size)
        positions = out.numel() // out.shape[1]
        flops = k * (inp.shape[1] // module.groups) * out.shape[1] * positions  # per_position * active elements
        if module.bias is not None:
            flops += out.numel()
        return flops / batch
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return inp.numel() * (2 if module.affine else 1) / batch
    if isinstance(module, _ACTIVATIONS):
        return inp.numel() / batch
    if isinstance(module, _POOLS):
        k = module.kernel_size
        return out.numel() * (math.prod(k) if isinstance(k, tuple) else k ** (inp.dim() - 2)) / batch
    if isinstance(module, _ADAPTIVE) and inp.dim() == 4:
        h, w = inp.shape[2:]
        oh, ow = out.shape[2:]
        windows = sum((math.ceil((i + 1) * h / oh) - math.floor(i * h / oh) + 1)
                      * (math.ceil((j + 1) * w / ow) - math.floor(j * w / ow) + 1)
                      for i in range(oh) for j in range(ow))
        return inp.shape[1] * windows * (inp.numel() // (inp.shape[1] * h * w)) / batch
    if isinstance(module, nn.Linear):
        return inp.numel() // inp.shape[-1] * module.in_features * module.out_features / batch
    return 0.0


def layer_stat(module: nn.Module | None, inputs: Any, output: Any, batch: int) -> LayerStat:
    """Shape and cost of one executed node: a leaf module call (``module``) or a functional op (None: no cost)."""
    inp, out = _first(inputs), _first(output)
    c_in, h_in = _geometry(inp)
    c_out, _ = _geometry(out)
    if module is None:
        return LayerStat(c_in, c_out, h_in, 1, 1, 1, Cost())
    params = float(sum(p.numel() for p in module.parameters(recurse=True)))
    return LayerStat(c_in, c_out, h_in, _int(getattr(module, "stride", 1) or 1),
                     _int(getattr(module, "kernel_size", 1)), int(getattr(module, "groups", 1) or 1),
                     Cost(_flops(module, inp, out, batch), params), id(module))
