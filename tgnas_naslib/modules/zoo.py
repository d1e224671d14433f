"""Reference models written from their published definitions (no torchvision): things to score and test with.

* :func:`resnet18`, :func:`resnet34` (basic blocks) and :func:`resnet50` (bottlenecks): He et al., "Deep
  Residual Learning for Image Recognition" (2016), ImageNet layout: 7x7/2 stem conv + 3x3/2 max pool, four
  stages of 64/128/256/512 channels, projection shortcuts (1x1 conv + BN) where the shape changes, global
  average pooling, one linear layer. The bottleneck puts the stride on its 3x3 conv (the common "v1.5").
* :func:`mobilenet_v2`: Sandler et al., "MobileNetV2" (2018), Table 2 (width 1.0): inverted residuals
  (1x1 expand, 3x3 depthwise, 1x1 linear projection; ReLU6; residual when stride 1 and shapes match).
* :func:`vgg11`: a plain (no shortcut) VGG-11 (configuration "A" of Simonyan & Zisserman 2015) with batch norm
  and a global-pooling + linear head (the common CIFAR variant, not the 4096-wide classifier).
* :func:`nb201_network`: a NAS-Bench-201 network (see :mod:`tgnas_naslib.modules.nets`, the benchmarks' networks).
* :func:`cifar_resnet` and :func:`cifar_mobilenet`: CIFAR-sized ResNet-18- and MobileNetV2-style networks whose every
  layer takes its own width (and a depth per stage): the width and depth sweeps of the hierarchical model's size
  properties (docs/hierarchical.md).

Every factory takes only keyword arguments with defaults, so ``tgnas score --module
tgnas_naslib.modules.zoo:resnet18`` works.
"""

from __future__ import annotations

from typing import Sequence

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

    def __init__(self, block: type[BasicBlock] | type[Bottleneck], layers: Sequence[int], num_classes: int = 1000,
                 widths: Sequence[int] = (64, 128, 256, 512), stem: int = 64) -> None:
        super().__init__()
        self.stem = nn.Sequential(_conv_bn(3, stem, 7, 2), nn.MaxPool2d(3, 2, 1))
        stages: list[nn.Module] = []
        c_in = stem
        for i, (planes, n) in enumerate(zip(widths, layers)):
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


def _round8(c: float) -> int:
    """Channels rounded to a multiple of 8 (at least 8), as MobileNet width multipliers do."""
    return max(8, int(c + 4) // 8 * 8)


class MobileNetV2(nn.Module):
    """MobileNetV2: 3x3/2 stem, 17 inverted residuals, 1x1 conv to 1280, pool, dropout, linear; ``width`` scales
    every layer (the paper's multiplier), ``stage_widths`` each of the 7 stages on its own."""

    #: (expansion t, channels c, repeats n, stride s) of the paper's Table 2
    SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1))

    def __init__(self, num_classes: int = 1000, width: float = 1.0, stage_widths: Sequence[float] | None = None
                 ) -> None:
        super().__init__()
        scale = list(stage_widths) if stage_widths is not None else [width] * len(self.SETTINGS)
        if len(scale) != len(self.SETTINGS):
            raise ValueError(f"stage_widths needs {len(self.SETTINGS)} multipliers, got {len(scale)}")
        first = _round8(32 * width)
        layers: list[nn.Module] = [_conv_bn(3, first, 3, 2, act=nn.ReLU6)]
        c_in = first
        for (t, c, n, s), m in zip(self.SETTINGS, scale):
            c = _round8(c * m)
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


# per-layer widths (the sweeps of docs/hierarchical.md) ---------------------------------------------------------------
class WidthBlock(nn.Module):
    """A basic residual block whose two convs have their own widths; projection shortcut where the shape changes."""

    def __init__(self, c_in: int, mid: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = _conv_bn(c_in, mid, 3, stride)
        self.conv2 = _conv_bn(mid, c_out, 3, act=None)
        self.downsample = _conv_bn(c_in, c_out, 1, stride, act=None) if stride != 1 or c_in != c_out else None
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(self.conv2(self.conv1(x)) + shortcut)


#: CIFAR ResNet-18 widths: stem, then (mid, out) of each of the 8 blocks
RESNET_WIDTHS = (64, 64, 64, 64, 64, 128, 128, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512)


def cifar_resnet(widths: Sequence[int] = RESNET_WIDTHS, depths: Sequence[int] = (2, 2, 2, 2),
                 num_classes: int = 10) -> nn.Module:
    """A CIFAR ResNet-18-style network (3x3 stem, 4 stages, the first block of stages 2-4 strided) with every
    conv's width given: ``widths`` = stem, then (mid, out) per block (a block past the list reuses its stage's last
    pair); ``depths``: blocks per stage."""
    widths = list(widths)
    layers: list[nn.Module] = []
    c, k = widths[0], 1
    stages = []
    for stage, n in enumerate(depths):
        blocks = []
        for i in range(n):
            mid, out = (widths[k], widths[k + 1]) if k + 1 < len(widths) else (widths[-2], widths[-1])
            k += 2 if i < 2 else 0  # a third block of a stage repeats the stage's second block
            blocks.append(WidthBlock(c, mid, out, 2 if i == 0 and stage > 0 else 1))
            c = out
        stages.append(nn.Sequential(*blocks))
    layers = [_conv_bn(3, widths[0], 3), *stages]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, num_classes))


#: CIFAR MobileNetV2-style widths: stem, then (hidden, out) of each of the 9 inverted residuals
MOBILENET_WIDTHS = (32, 96, 24, 144, 24, 144, 32, 192, 32, 192, 32, 192, 64, 384, 64, 384, 64, 576, 96)
MOBILENET_STRIDES = (1, 1, 2, 1, 2, 1, 1, 2, 1)


class WidthInvertedResidual(nn.Module):
    """1x1 expansion to ``hidden``, 3x3 depthwise, 1x1 projection to ``c_out``; residual when shapes match."""

    def __init__(self, c_in: int, hidden: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(_conv_bn(c_in, hidden, 1), _conv_bn(hidden, hidden, 3, stride, groups=hidden),
                                  _conv_bn(hidden, c_out, 1, act=None))
        self.use_residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_residual else self.conv(x)


def cifar_mobilenet(widths: Sequence[int] = MOBILENET_WIDTHS, strides: Sequence[int] = MOBILENET_STRIDES,
                    num_classes: int = 10) -> nn.Module:
    """A CIFAR MobileNetV2-style network with every layer's width given: ``widths`` = stem, then (hidden, out) per
    inverted residual (one per stride in ``strides``; past the list the last pair repeats), a 1x1 head to 4x the last
    width, pooling, a linear layer."""
    widths = list(widths)
    c = widths[0]
    blocks: list[nn.Module] = []
    for i, stride in enumerate(strides):
        k = 1 + 2 * i
        hidden, out = (widths[k], widths[k + 1]) if k + 1 < len(widths) else (widths[-2], widths[-1])
        blocks.append(WidthInvertedResidual(c, hidden, out, stride))
        c = out
    return nn.Sequential(_conv_bn(3, widths[0], 3), nn.Sequential(*blocks), _conv_bn(c, 4 * c, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * c, num_classes))


# NAS-Bench-201 (moved to tgnas_naslib.modules.nets.nasbench201; kept here for ``--module ...zoo:nb201_network``) ---
from .nets.nasbench201 import NB201Network, nb201_network  # noqa: E402,F401
