"""Reference models written from their published definitions (no torchvision): things to score and test with.

* :func:`resnet18`, :func:`resnet34` (basic blocks) and :func:`resnet50` (bottlenecks): He et al., "Deep
  Residual Learning for Image Recognition" (2016), ImageNet layout: 7x7/2 stem conv + 3x3/2 max pool, four
  stages of 64/128/256/512 channels, projection shortcuts (1x1 conv + BN) where the shape changes, global
  average pooling, one linear layer. The bottleneck puts the stride on its 3x3 conv (the common "v1.5").
* :func:`mobilenet_v2`: Sandler et al., "MobileNetV2" (2018), Table 2 (width 1.0): inverted residuals
  (1x1 expand, 3x3 depthwise, 1x1 linear projection; ReLU6; residual when stride 1 and shapes match).
* :func:`vgg11`: a plain (no shortcut) VGG-11 (configuration "A" of Simonyan & Zisserman 2015) with batch norm
  and a global-pooling + linear head (the common CIFAR variant, not the 4096-wide classifier).
* :func:`nb201_network`: a NAS-Bench-201 network (Dong & Yang, ICLR 2020) for a cell: 3x3 stem conv with C
  channels + BN, three stages of N cells with C / 2C / 4C channels, a residual reduction block between stages,
  BN + ReLU, global pooling, linear. Cells have 4 nodes; node j sums one op per earlier node i over the 6
  edges: ``skip_connect`` (identity), ``none`` (zero: ``x * 0``), ``nor_conv_3x3`` / ``nor_conv_1x1``
  (ReLU-Conv-BN), ``avg_pool_3x3`` (3x3 average pooling, stride 1).

Every factory takes only keyword arguments with defaults, so ``tgnas score --module
tgnas_naslib.modules.zoo:resnet18`` works.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn


def _conv_bn(c_in: int, c_out: int, k: int, stride: int = 1, groups: int = 1, act: type[nn.Module] | None = nn.ReLU
             ) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, k, stride, k // 2, groups=groups, bias=False),
                               nn.BatchNorm2d(c_out)]
    if act is not None:
        layers.append(act(inplace=True))
    return nn.Sequential(*layers)


# ResNet ---------------------------------------------------------------------------------------------------------------
class BasicBlock(nn.Module):
    """3x3 conv-BN-ReLU, 3x3 conv-BN, plus the shortcut, then ReLU."""

    expansion = 1

    def __init__(self, c_in: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = (_conv_bn(c_in, planes, 1, stride, act=None) if stride != 1 or c_in != planes
                           else None)
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        return self.relu2(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (with the stride), 1x1 expand x4, each with BN (ReLU but the last), shortcut, ReLU."""

    expansion = 4

    def __init__(self, c_in: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out = planes * self.expansion
        self.conv1 = _conv_bn(c_in, planes, 1)
        self.conv2 = _conv_bn(planes, planes, 3, stride)
        self.conv3 = _conv_bn(planes, out, 1, act=None)
        self.downsample = _conv_bn(c_in, out, 1, stride, act=None) if stride != 1 or c_in != out else None
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.conv3(self.conv2(self.conv1(x))) + identity)


class ResNet(nn.Module):
    """The ImageNet ResNet: stem, four stages of blocks, global average pooling, linear."""

    def __init__(self, block: type[BasicBlock] | type[Bottleneck], layers: Sequence[int], num_classes: int = 1000
                 ) -> None:
        super().__init__()
        self.stem = nn.Sequential(_conv_bn(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1))
        stages: list[nn.Module] = []
        c_in = 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            blocks = []
            for j in range(n):
                blocks.append(block(c_in, planes, 2 if (i > 0 and j == 0) else 1))
                c_in = planes * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c_in, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer4(self.layer3(self.layer2(self.layer1(self.stem(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet18(num_classes: int = 1000) -> ResNet:
    """ResNet-18: basic blocks [2, 2, 2, 2]."""
    return ResNet(BasicBlock, (2, 2, 2, 2), num_classes)


def resnet34(num_classes: int = 1000) -> ResNet:
    """ResNet-34: basic blocks [3, 4, 6, 3]."""
    return ResNet(BasicBlock, (3, 4, 6, 3), num_classes)


def resnet50(num_classes: int = 1000) -> ResNet:
    """ResNet-50: bottleneck blocks [3, 4, 6, 3]."""
    return ResNet(Bottleneck, (3, 4, 6, 3), num_classes)


# MobileNetV2 ----------------------------------------------------------------------------------------------------------
class InvertedResidual(nn.Module):
    """1x1 expansion (t > 1), 3x3 depthwise with the stride, 1x1 linear projection; residual when shapes match."""

    def __init__(self, c_in: int, c_out: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = c_in * expand
        layers: list[nn.Module] = []
        if expand != 1:
            layers.append(_conv_bn(c_in, hidden, 1, act=nn.ReLU6))
        layers += [_conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
                   _conv_bn(hidden, c_out, 1, act=None)]
        self.conv = nn.Sequential(*layers)
        self.use_residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_residual else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2 (width 1.0): 3x3/2 stem, 17 inverted residuals, 1x1 conv to 1280, pool, dropout, linear."""

    #: (expansion t, channels c, repeats n, stride s) of the paper's Table 2
    SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1))

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        layers: list[nn.Module] = [_conv_bn(3, 32, 3, 2, act=nn.ReLU6)]
        c_in = 32
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(c_in, c, s if i == 0 else 1, t))
                c_in = c
        layers.append(_conv_bn(c_in, 1280, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


def mobilenet_v2(num_classes: int = 1000) -> MobileNetV2:
    """MobileNetV2, width multiplier 1.0."""
    return MobileNetV2(num_classes)


# VGG ------------------------------------------------------------------------------------------------------------------
class VGG(nn.Module):
    """A plain stack of 3x3 conv-BN-ReLU layers and 2x2 max pools, then global pooling and a linear layer."""

    def __init__(self, config: Sequence[int | str], num_classes: int = 1000) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        for v in config:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers.append(_conv_bn(c_in, int(v), 3))
                c_in = int(v)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_in, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


def vgg11(num_classes: int = 1000) -> VGG:
    """VGG-11 (configuration A) with batch norm and a global-pooling head."""
    return VGG((64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"), num_classes)


# NAS-Bench-201 --------------------------------------------------------------------------------------------------------
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
        from ..spaces.nasbench201 import EDGES

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
    from ..spaces.nasbench201 import OPS, NasBench201

    cell = NasBench201().canonical(arch)
    return NB201Network([OPS[i] for i in cell], C, N, num_classes)
