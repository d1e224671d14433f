"""NAS-Bench-101's network as a ``torch.nn.Module`` (Ying et al., ICML 2019; nasbench_pytorch's ``Network``, which
NASLib trains and NAS-Bench-Suite-Zero measured).

Conv3x3-BN-ReLU stem to 128 channels, 3 stacks of 3 cells at 128 / 256 / 512 channels with a 2x2 max pool between
stacks, global mean (``x.mean((2, 3))``) and a linear classifier. Every cell is the pruned spec: a vertex sums its
earlier vertices (channel-truncated where they are wider) and a Conv1x1-BN-ReLU projection of the cell input, then
runs its op (Conv3x3-BN-ReLU, Conv1x1-BN-ReLU or 3x3 max pooling); the output concatenates the vertices feeding it
and adds the input's projection. Channels follow NAS-Bench-101's rule
(:func:`tgnas_naslib.spaces.nasbench101.vertex_channels`). Its layer-by-layer description for the adapter is
:func:`tgnas_naslib.spaces.nasbench101.build_network`; tracing this module gives the same graph (tested).
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

#: the best cell of NASLib's 500-arch NB101 sample (94.7% validation accuracy): two 3x3 convs, an input->output edge
DEFAULT_SPEC = {"matrix": [[0, 1, 1, 1], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]],
                "ops": ["input", "conv3x3-bn-relu", "conv3x3-bn-relu", "output"]}


class ConvBnRelu(nn.Sequential):
    """Conv2d k x k ('same' padding, no bias), BN, ReLU."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int = 1) -> None:
        super().__init__(nn.Conv2d(c_in, c_out, k, stride, k // 2, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


def _vertex_op(op: str, c: int) -> nn.Module:
    if op == "conv3x3-bn-relu":
        return ConvBnRelu(c, c, 3)
    if op == "conv1x1-bn-relu":
        return ConvBnRelu(c, c, 1)
    if op == "maxpool3x3":
        return nn.MaxPool2d(3, 1, 1)
    raise ValueError(f"unknown NAS-Bench-101 operator {op!r}")


class NB101Cell(nn.Module):
    """One NAS-Bench-101 cell of a pruned spec (``matrix`` a 0/1 upper-triangular adjacency over ``ops``)."""

    def __init__(self, matrix: Sequence[Sequence[int]], ops: Sequence[str], c_in: int, c_out: int) -> None:
        super().__init__()
        import numpy as np

        from ...spaces.nasbench101 import vertex_channels

        self.matrix = [[int(v) for v in row] for row in matrix]
        n = len(ops)
        self.channels = vertex_channels(c_in, c_out, np.array(self.matrix))
        self.vertex_ops = nn.ModuleDict({str(t): _vertex_op(ops[t], self.channels[t]) for t in range(1, n - 1)})
        self.input_ops = nn.ModuleDict({str(t): ConvBnRelu(c_in, self.channels[t], 1)
                                        for t in range(1, n) if self.matrix[0][t]})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m, ch = self.matrix, self.channels
        n = len(m)
        tensors = [x]
        concat = []
        for t in range(1, n - 1):
            fan_in = [tensors[s] if ch[s] == ch[t] else tensors[s][:, :ch[t]] for s in range(1, t) if m[s][t]]
            if m[0][t]:
                fan_in.append(self.input_ops[str(t)](x))
            total = fan_in[0]
            for y in fan_in[1:]:
                total = total + y
            tensors.append(self.vertex_ops[str(t)](total))
            if m[t][n - 1]:
                concat.append(tensors[t])
        if not concat:
            return self.input_ops[str(n - 1)](x)
        out = concat[0] if len(concat) == 1 else torch.cat(concat, 1)
        if m[0][n - 1]:
            out = out + self.input_ops[str(n - 1)](x)
        return out


class NB101Network(nn.Module):
    """The NAS-Bench-101 network around one pruned cell (stem, stacks of cells, max pools, mean, classifier)."""

    def __init__(self, matrix: Sequence[Sequence[int]], ops: Sequence[str], stem_channels: int = 128, stacks: int = 3,
                 cells_per_stack: int = 3, num_classes: int = 10) -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvBnRelu(3, stem_channels, 3)]
        c_in = c_out = stem_channels
        for stack in range(stacks):
            if stack:
                layers.append(nn.MaxPool2d(2, 2))
                c_out *= 2
            for _ in range(cells_per_stack):
                layers.append(NB101Cell(matrix, ops, c_in, c_out))
                c_in = c_out
        self.layers = nn.Sequential(*layers)
        self.classifier = nn.Linear(c_out, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.layers(x).mean((2, 3)))


def nb101_network(arch: Any = None, stem_channels: int = 128, stacks: int = 3, cells_per_stack: int = 3,
                  num_classes: int = 10) -> NB101Network:
    """A NAS-Bench-101 network for ``arch`` (spec dict, (matrix, ops) or NASLib 56-tuple; pruned as NAS-Bench-101
    does; default: :data:`DEFAULT_SPEC`)."""
    from ...spaces.nasbench101 import NasBench101, prune

    matrix, ops = prune(NasBench101().canonical(DEFAULT_SPEC if arch is None else arch))
    return NB101Network(matrix.tolist(), ops, stem_channels, stacks, cells_per_stack, num_classes)
