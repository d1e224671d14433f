"""NAS-Bench-201's network as a ``torch.nn.Module`` (Dong & Yang, ICLR 2020; NASLib's / xautodl's TinyNetwork).

3x3 stem conv with C channels + BN, three stages of N cells with C / 2C / 4C channels, a residual reduction block
between stages, BN + ReLU, global pooling, linear. Cells have 4 nodes; node j sums one op per earlier node i over the
6 edges: ``skip_connect`` (identity), ``none`` (zero: ``x * 0``), ``nor_conv_3x3`` / ``nor_conv_1x1``
(ReLU-Conv-BN), ``avg_pool_3x3`` (3x3 average pooling, stride 1). Its layer-by-layer description for the adapter is
:func:`tgnas_naslib.spaces.nasbench201.build_network`; tracing this module gives the same graph (tested).
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn


class ReLUConvBN(nn.Sequential):
    """NB201's ``nor_conv_kxk``: ReLU, k x k conv (no bias), BN."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int = 1) -> None:
        super().__init__(nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, k, stride, k // 2, bias=False),
                         nn.BatchNorm2d(c_out))


class Zero(nn.Module):
    """NB201's ``none``: multiplies by zero (cuts the edge)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def _nb201_op(name: str, c: int) -> nn.Module:
    if name == "skip_connect":
        return nn.Identity()
    if name == "none":
        return Zero()
    if name == "nor_conv_3x3":
        return ReLUConvBN(c, c, 3)
    if name == "nor_conv_1x1":
        return ReLUConvBN(c, c, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown NAS-Bench-201 operator {name!r}")


class NB201Cell(nn.Module):
    """A NAS-Bench-201 cell: node j (1..3) is the sum of op(i -> j)(node i) over i < j; node 3 is the output."""

    def __init__(self, ops: Sequence[str], c: int) -> None:
        super().__init__()
        from ...spaces.nasbench201 import EDGES

        self.edges = EDGES
        self.ops = nn.ModuleList(_nb201_op(op, c) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in (1, 2, 3):
            total = None
            for k, (i, dst) in enumerate(self.edges):
                if dst == j:
                    y = self.ops[k](nodes[i])
                    total = y if total is None else total + y
            nodes.append(total)
        return nodes[3]


class NB201Reduction(nn.Module):
    """NB201's residual reduction block: ReLU-Conv3x3/2-BN, ReLU-Conv3x3-BN, plus AvgPool2x2/2 + Conv1x1 shortcut."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """The NAS-Bench-201 macro skeleton around one cell (stem, 3 x N cells, 2 reductions, head)."""

    def __init__(self, ops: Sequence[str], C: int = 16, N: int = 5, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        cells: list[nn.Module] = []
        c_prev = C
        for stage, c in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                cells.append(NB201Reduction(c_prev, c))
            cells += [NB201Cell(ops, c) for _ in range(N)]
            c_prev = c
        self.cells = nn.Sequential(*cells)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.global_pooling(self.lastact(self.cells(self.stem(x))))
        return self.classifier(out.view(out.size(0), -1))


def nb201_network(arch: Any = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
                              "nor_conv_3x3~2|", C: int = 16, N: int = 5, num_classes: int = 10) -> NB201Network:
    """A NAS-Bench-201 network for ``arch`` (benchmark string or NASLib 6-tuple; default: a top CIFAR-10 cell)."""
    from ...spaces.nasbench201 import OPS, NasBench201

    cell = NasBench201().canonical(arch)
    return NB201Network([OPS[i] for i in cell], C, N, num_classes)
