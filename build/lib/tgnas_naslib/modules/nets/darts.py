"""The DARTS / NAS-Bench-301 network as a ``torch.nn.Module`` (Liu et al., ICLR 2019; DARTS' ``NetworkCIFAR`` with
NASLib's NB301 primitives, the network NAS-Bench-Suite-Zero measured).

3x3 stem conv to 3C channels + BN, 8 cells (reduction cells at 1/3 and 2/3 of the depth double the channels and
halve the size), global average pooling and a linear classifier; no auxiliary head, no drop path. A cell
preprocesses its two inputs (the two previous cells' outputs) with ReLU-Conv1x1-BN, or FactorizedReduce after a
reduction cell; each of its 4 intermediate nodes sums two ops of earlier nodes; the output concatenates the 4. The
ops (non-affine BN): max / avg 3x3 pooling followed by BN, identity (FactorizedReduce at stride 2), separable
convs (twice ReLU, depthwise kxk, 1x1, BN) and dilated separable convs (ReLU, depthwise kxk dilation 2, 1x1, BN).
Its layer-by-layer description for the adapter is :func:`tgnas_naslib.spaces.darts.build_network`; tracing this
module gives the same graph (tested).
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

#: DARTS-V2's genotype (the DARTS paper's CIFAR-10 cell), in NASLib's compact form
DEFAULT_GENOTYPE = (((0, 3), (1, 3), (0, 3), (1, 3), (1, 3), (0, 2), (0, 2), (2, 5)),
                    ((0, 0), (1, 0), (2, 2), (1, 0), (0, 0), (2, 2), (2, 2), (1, 0)))


class ReLUConvBN(nn.Sequential):
    """ReLU, k x k conv ('same' padding, no bias), BN."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int = 1, affine: bool = True) -> None:
        super().__init__(nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, k, stride, k // 2, bias=False),
                         nn.BatchNorm2d(c_out, affine=affine))


class FactorizedReduce(nn.Module):
    """ReLU, two 1x1 convs to c_out/2 channels each, the second on ``x[:, :, 1:, 1:]`` (at stride 1 both read ``x``),
    concatenated, BN: DARTS' strided identity."""

    def __init__(self, c_in: int, c_out: int, stride: int = 2, affine: bool = True) -> None:
        super().__init__()
        self.stride = stride
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out - c_out // 2, 1, stride, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        y = x[:, :, 1:, 1:] if self.stride > 1 else x
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(y)], dim=1))


class Zero(nn.Module):
    """The ``none`` op: ``x[:, :, ::s, ::s] * 0`` (no data flows)."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x if self.stride == 1 else x[:, :, ::self.stride, ::self.stride]).mul(0.0)


def _sep_conv(c: int, k: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(c, c, k, stride, k // 2, groups=c, bias=False),
                         nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c, affine=False),
                         nn.ReLU(inplace=False), nn.Conv2d(c, c, k, 1, k // 2, groups=c, bias=False),
                         nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c, affine=False))


def _dil_conv(c: int, k: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(c, c, k, stride, k - 1, dilation=2, groups=c, bias=False),
                         nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c, affine=False))


def darts_op(name: str, c: int, stride: int) -> nn.Module:
    """One DARTS cell operator at ``c`` channels (NASLib's NB301 primitives: non-affine BN, BN after pooling)."""
    if name == "max_pool_3x3":
        return nn.Sequential(nn.MaxPool2d(3, stride, 1), nn.BatchNorm2d(c, affine=False))
    if name == "avg_pool_3x3":
        return nn.Sequential(nn.AvgPool2d(3, stride, 1, count_include_pad=False), nn.BatchNorm2d(c, affine=False))
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c, stride, affine=False)
    if name == "none":
        return Zero(stride)
    if name in ("sep_conv_3x3", "sep_conv_5x5"):
        return _sep_conv(c, int(name[-1]), stride)
    if name in ("dil_conv_3x3", "dil_conv_5x5"):
        return _dil_conv(c, int(name[-1]), stride)
    raise ValueError(f"unknown DARTS operator {name!r}")


class DartsCell(nn.Module):
    """A DARTS cell: ``cell`` holds 8 (input node, op name) pairs, two per intermediate node."""

    def __init__(self, cell: Sequence[tuple[int, str]], c_prev_prev: int, c_prev: int, c: int, reduction: bool,
                 reduction_prev: bool) -> None:
        super().__init__()
        self.preprocess0 = FactorizedReduce(c_prev_prev, c) if reduction_prev else ReLUConvBN(c_prev_prev, c, 1)
        self.preprocess1 = ReLUConvBN(c_prev, c, 1)
        self.indices = [src for src, _ in cell]
        self.ops = nn.ModuleList(darts_op(op, c, 2 if reduction and src < 2 else 1) for src, op in cell)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for i in range(len(self.ops) // 2):
            h1 = self.ops[2 * i](states[self.indices[2 * i]])
            h2 = self.ops[2 * i + 1](states[self.indices[2 * i + 1]])
            states.append(h1 + h2)
        return torch.cat(states[2:], dim=1)


class DartsNetwork(nn.Module):
    """DARTS' evaluation network (``NetworkCIFAR`` without auxiliary head) for a normal and a reduction cell."""

    def __init__(self, normal: Sequence[tuple[int, str]], reduce: Sequence[tuple[int, str]], C: int = 32,
                 layers: int = 8, stem_multiplier: int = 3, num_classes: int = 10) -> None:
        super().__init__()
        c_curr = stem_multiplier * C
        self.stem = nn.Sequential(nn.Conv2d(3, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr))
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, C
        cells: list[DartsCell] = []
        reduction_prev = False
        for k in range(layers):
            reduction = k in (layers // 3, 2 * layers // 3)
            c_curr = 2 * c_curr if reduction else c_curr
            cells.append(DartsCell(reduce if reduction else normal, c_prev_prev, c_prev, c_curr, reduction,
                                   reduction_prev))
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, len(cells[-1].ops) // 2 * c_curr
        self.cells = nn.ModuleList(cells)
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        out = self.global_pooling(s1)
        return self.classifier(out.view(out.size(0), -1))


def darts_network(arch: Any = DEFAULT_GENOTYPE, C: int = 32, layers: int = 8, stem_multiplier: int = 3,
                  num_classes: int = 10) -> DartsNetwork:
    """A DARTS / NB301 network for ``arch`` (NASLib compact encoding, DARTS ``Genotype`` or its string; default:
    DARTS-V2)."""
    from ...spaces.darts import Darts

    normal, reduce = Darts().canonical(arch)
    return DartsNetwork(normal, reduce, C, layers, stem_multiplier, num_classes)
