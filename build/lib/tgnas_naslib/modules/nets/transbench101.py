"""TransNAS-Bench-101's networks as ``torch.nn.Module`` s (Duan et al., CVPR 2021; its ``MacroNet`` backbone with the
classification decoder, as NASLib builds them and NAS-Bench-Suite-Zero measured).

Stem: Conv3x3/2 to 32 channels + BN, ReLU-Conv3x3/2-BN to 64 (256x256 inputs become 64x64). Then one layer of two
cells per macro code: codes 2 and 4 double the channels, 3 and 4 halve the size, in the layer's first cell. The
cells are micro cells (TNB101-micro, macro skeleton 41414: a NB201-like 4-node cell whose edges are none, identity
(FactorizedReduce where the shape changes), ReLU-Conv1x1-BN or ReLU-Conv3x3-BN) or ResNet basic blocks
(TNB101-macro). Head: TNB's classification decoder, global average pooling and a linear layer (63 classes:
class_scene; 100: class_object). The other tasks' decoders (autoencoder, segmentation, jigsaw, room layout, normals)
are the same for every architecture; like the adapters' analytic cost, these modules stand for them with the
class_scene head.

Two details differ from TransNAS-Bench's code, with the same outputs' shapes and cost: a micro node adds its inputs
(``a + b``; TNB: ``torch.stack([...]).sum(0)``), and FactorizedReduce reads ``x[:, :, 1:, 1:]`` (TNB pads by one first).
Layer-by-layer descriptions for the adapters: :func:`tgnas_naslib.spaces.transbench101.build_network`; tracing these
modules gives the same graphs (tested).
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from .darts import FactorizedReduce, ReLUConvBN
from .nasbench201 import NB201Cell

#: the micro cell of the 64-41414-3_33_333 network (TransNAS-Bench's example): 3x3 convs on every edge
DEFAULT_MICRO = (3, 3, 3, 3, 3, 3)
#: the macro skeleton of TransNAS-Bench's micro networks
DEFAULT_MACRO = (4, 1, 4, 1, 4)


class Zero(nn.Module):
    """The ``none`` edge: ``x[:, :, ::s, ::s] * 0``, or new zeros of the output's shape when the channels change."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.c_in, self.c_out, self.stride = c_in, c_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.stride
        if self.c_in != self.c_out:
            return x.new_zeros(x.size(0), self.c_out, (x.size(2) - 1) // s + 1, (x.size(3) - 1) // s + 1)
        return (x if s == 1 else x[:, :, ::s, ::s]).mul(0.0)


def micro_op(code: int, c_in: int, c_out: int, stride: int) -> nn.Module:
    """A micro-cell edge: 0 none, 1 identity (FactorizedReduce where the shape changes), 2 / 3 ReLU-Conv1x1 / 3x3-BN."""
    if code == 0:
        return Zero(c_in, c_out, stride)
    if code == 1:
        return nn.Identity() if stride == 1 and c_in == c_out else FactorizedReduce(c_in, c_out, stride)
    if code in (2, 3):
        return ReLUConvBN(c_in, c_out, 1 if code == 2 else 3, stride)
    raise ValueError(f"unknown TransNAS-Bench micro op code {code!r}")


class MicroCell(nn.Module):
    """A TNB micro cell: node j (1..3) sums op(i -> j)(node i) over i < j; edges from node 0 carry the stride."""

    def __init__(self, codes: Sequence[int], c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        from ...spaces.transbench101 import MICRO_EDGES

        self.edges = MICRO_EDGES
        self.ops = nn.ModuleList(micro_op(code, c_in if i == 0 else c_out, c_out, stride if i == 0 else 1)
                                 for code, (i, _) in zip(codes, MICRO_EDGES))

    forward = NB201Cell.forward  # node j sums its edges' ops, node 3 is the output


class BasicBlock(nn.Module):
    """TNB's ResNet basic block: ReLU-Conv3x3(stride)-BN, ReLU-Conv3x3-BN, plus the residual (Conv1x1(stride)-BN
    where the shape changes)."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride)
        self.conv_b = ReLUConvBN(c_out, c_out, 3)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feature = self.conv_b(self.conv_a(x))
        residual = x if self.downsample is None else self.downsample(x)
        return residual + feature


class MacroNet(nn.Module):
    """TNB's MacroNet for layer ``codes`` with micro ``cell`` codes (None: ResNet basic blocks), and a linear head."""

    def __init__(self, codes: Sequence[int], cell: Sequence[int] | None = None, base_channels: int = 64,
                 num_classes: int = 63) -> None:
        super().__init__()
        half = base_channels // 2
        self.stem = nn.Sequential(nn.Conv2d(3, half, 3, 2, 1, bias=False), nn.BatchNorm2d(half),
                                  ReLUConvBN(half, base_channels, 3, 2))
        layers: list[nn.Module] = []
        c = base_channels
        for code in codes:
            target = 2 * c if code in (2, 4) else c
            stride = 2 if code in (3, 4) else 1
            blocks = [(c, target, stride), (target, target, 1)]
            layers.append(nn.Sequential(*(BasicBlock(*b) if cell is None else MicroCell(cell, *b) for b in blocks)))
            c = target
        self.layers = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(self.layers(self.stem(x))), 1))


def tnb101_micro_network(arch: Any = DEFAULT_MICRO, skeleton: Sequence[int] = DEFAULT_MACRO, base_channels: int = 64,
                         num_classes: int = 63) -> MacroNet:
    """A TNB101-micro network for ``arch`` (6 TNB codes or a cell string like ``1_02_333``; default 3_33_333) on the
    41414 skeleton, with the class_scene head; run it on (1, 3, 256, 256)."""
    from ...spaces.transbench101 import TransBench101Micro

    return MacroNet(skeleton, TransBench101Micro().canonical(arch), base_channels, num_classes)


def tnb101_macro_network(arch: Any = DEFAULT_MACRO, base_channels: int = 64, num_classes: int = 63) -> MacroNet:
    """A TNB101-macro network for ``arch`` (4-6 layer codes or a skeleton string like ``41414``) of ResNet basic
    blocks, with the class_scene head; run it on (1, 3, 256, 256)."""
    from ...spaces.transbench101 import TransBench101Macro

    return MacroNet(TransBench101Macro().canonical(arch), None, base_channels, num_classes)
