"""NAS-Bench-Macro's network as a ``torch.nn.Module`` (Su et al., CVPR 2021; written from the description of
github xiusu/NAS-Bench-Macro ``train/model.py``).

Stem Conv3x3 (3 -> 32) + BN + ReLU; 8 searchable layers in stages of 2, 3, 3, the first of each with stride 2 and
twice the channels (64 / 128 / 256); head Conv1x1 (-> 1280) + BN + ReLU, global average pooling, Linear. A layer is
an identity (code 0; in a stage's first layer a strided Conv1x1 + BN) or a MobileNetV2 inverted residual block
(code 1: 3x3 depthwise, expansion 3; code 2: 5x5, expansion 6) that adds its input where the shape is unchanged.
Its layer-by-layer description for the adapter is :func:`tgnas_naslib.spaces.nasbench_macro.build_network`; tracing
this module gives the same graph (tested).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class InvertedResidual(nn.Module):
    """MobileNetV2 block: Conv1x1 expand + BN + ReLU, depthwise Conv kxk (stride) + BN + ReLU, Conv1x1 project + BN;
    plus the input when stride is 1 and the channels stay."""

    def __init__(self, c_in: int, c_out: int, stride: int, expansion: int, kernel: int) -> None:
        super().__init__()
        hidden = round(c_in * expansion)
        self.conv = nn.Sequential(
            nn.Conv2d(c_in, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, hidden, kernel, stride, kernel // 2, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, c_out, 1, bias=False), nn.BatchNorm2d(c_out),
        )
        self.use_shortcut = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return out + x if self.use_shortcut else out


def _identity(c_in: int, c_out: int, stride: int) -> nn.Module:
    """An identity layer: nothing, or a strided Conv1x1 + BN where the shape changes."""
    if stride == 1 and c_in == c_out:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))


class NasBenchMacroNetwork(nn.Module):
    """The NAS-Bench-Macro network of one architecture (8 layer codes in 0..2)."""

    def __init__(self, codes: tuple[int, ...], num_classes: int = 10, stages: tuple[int, ...] = (2, 3, 3),
                 init_channels: int = 32, head_channels: int = 1280) -> None:
        super().__init__()
        if len(codes) != sum(stages):
            raise ValueError(f"{len(codes)} layer codes for {sum(stages)} layers")
        self.stem = nn.Sequential(nn.Conv2d(3, init_channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(init_channels), nn.ReLU(inplace=True))
        layers: list[nn.Module] = []
        c = init_channels
        codes_left = iter(codes)
        for n in stages:
            for i in range(n):
                code = next(codes_left)
                stride, c_out = (2, 2 * c) if i == 0 else (1, c)
                if code == 0:
                    layers.append(_identity(c, c_out, stride))
                else:
                    kernel, expansion = {1: (3, 3), 2: (5, 6)}[code]
                    layers.append(InvertedResidual(c, c_out, stride, expansion, kernel))
                c = c_out
        self.features = nn.Sequential(*layers)
        self.out = nn.Sequential(nn.Conv2d(c, head_channels, 1, bias=False), nn.BatchNorm2d(head_channels),
                                 nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(head_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.out(self.features(self.stem(x)))
        return self.classifier(x.view(x.size(0), -1))


def nasbench_macro_network(arch: Any = "12121212", num_classes: int = 10) -> NasBenchMacroNetwork:
    """A NAS-Bench-Macro network for ``arch`` (the 8-digit key or a tuple of 8 codes; default: a mid-size one)."""
    from ...spaces.nasbench_macro import NasBenchMacro

    return NasBenchMacroNetwork(NasBenchMacro().canonical(arch), num_classes)
