"""Describe a network layer by layer, as its ``forward`` runs, and get its architecture graph: the space adapters'
counterpart of tracing a ``torch.nn.Module``.

>>> net = NetworkBuilder("example")
>>> x = net.input(3, 32)
>>> x = net.relu(net.bn(net.conv(x, 16, 3)))
>>> g = net.graph()          # input -> "3x3 convolution, batch normalization, ReLU" -> output

Every call records one raw layer with the shape and cost the module tracer would measure for the same
``torch.nn`` layer (torchstat's counting, :mod:`tgnas_naslib.shapes`), so a network described here and the same
network built as a module and traced give equal graphs (tested per space).
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import NamedTuple, Sequence

from .. import shapes as sh
from ..graph import ArchGraph
from ..shapes import Cost
from . import parts
from .fold import finish
from .raw import LayerStat, OpInfo, Raw

_COUNTED_ACTIVATIONS = ("ReLU", "ReLU6", "PReLU", "ELU", "LeakyReLU")  # torchstat counts FLOPs for these only
_BN_INFO = OpInfo("BatchNorm2d", "norm", "batch norm", parts.norm("BatchNorm2d"))


# a layer's OpInfo depends on a few small ints only: built once each (a DARTS network records ~400 layers per arch)
@lru_cache(maxsize=None)
def _conv_info(k: int, groups: int, c_in: int, dilation: int) -> OpInfo:
    return OpInfo("Conv2d", "conv", "", parts.conv(k, groups, c_in, dilation))


@lru_cache(maxsize=None)
def _act_info(kind: str) -> OpInfo:
    return OpInfo(kind, "act", kind, parts.activation(kind))


@lru_cache(maxsize=None)
def _pool_info(kind: str, k: int) -> OpInfo:
    return OpInfo("MaxPool2d" if kind == "max" else "AvgPool2d", "op", "", parts.pool(kind, k))


class Tensor(NamedTuple):
    """A feature map flowing through the builder: the raw nodes that produced it, its channels and spatial size."""

    nodes: tuple[int, ...]
    c: int
    h: int


class NetworkBuilder:
    """Records a network's layers in execution order (see the module docstring); :meth:`graph` finishes it."""

    def __init__(self, space: str) -> None:
        self.space = space
        self.raw = Raw()
        self._ids = itertools.count()

    # bookkeeping ------------------------------------------------------------------------------------------------
    def _add(self, info: OpInfo, name: str, inputs: Sequence[Tensor], c_out: int, h_out: int, stride: int = 1,
             kernel: int = 1, groups: int = 1, cost: Cost = sh.ZERO, weighted: bool = False) -> Tensor:
        first = inputs[0]
        stat = LayerStat(first.c, c_out, float(first.h), stride, kernel, groups, cost,
                         next(self._ids) if weighted else None)
        preds = [p for t in inputs for p in t.nodes]
        return Tensor((self.raw.add(info, name, preds, stat),), c_out, h_out)

    def input(self, c: int, h: int, name: str = "x") -> Tensor:
        """The network's input image, ``c`` channels of ``h x h``."""
        stat = LayerStat(c, c, float(h), 1, 1, 1, sh.ZERO)
        return Tensor((self.raw.add(OpInfo(parts.INPUT, "input", "", parts.INPUT), name, (), stat),), c, h)

    def output(self, x: Tensor) -> None:
        """The network's output (the logits)."""
        self.raw.add(OpInfo(parts.OUTPUT, "output", "", parts.OUTPUT), "output", x.nodes)

    # layers ------------------------------------------------------------------------------------------------------
    def conv(self, x: Tensor, c_out: int, k: int, stride: int = 1, padding: int | None = None, groups: int = 1,
             dilation: int = 1, bias: bool = False, name: str = "conv") -> Tensor:
        """``nn.Conv2d(x.c, c_out, k, stride, padding (default: same), dilation, groups, bias)``."""
        pad = dilation * (k - 1) // 2 if padding is None else padding
        ho = sh.out_size(x.h, k, stride, pad, dilation)
        cost = sh.conv(x.c, c_out, k, x.h, stride, groups, bias, pad, dilation)
        # groups > 1: depthwise or grouped, by c_in; otherwise c_in does not change the text
        info = _conv_info(k, groups, x.c if groups > 1 else 0, dilation)
        return self._add(info, name, [x], c_out, ho, stride, k, groups, cost, weighted=True)

    def bn(self, x: Tensor, affine: bool = True, name: str = "bn") -> Tensor:
        """``nn.BatchNorm2d(x.c, affine=affine)``."""
        return self._add(_BN_INFO, name, [x], x.c, x.h, cost=sh.bn(x.c, x.h, affine), weighted=True)

    def act(self, x: Tensor, kind: str = "ReLU", name: str = "act") -> Tensor:
        """An activation module (``ReLU``, ``ReLU6``, ``SiLU``...)."""
        cost = sh.relu(x.c, x.h) if kind in _COUNTED_ACTIVATIONS else sh.ZERO
        return self._add(_act_info(kind), name, [x], x.c, x.h, cost=cost, weighted=True)

    def relu(self, x: Tensor, name: str = "relu") -> Tensor:
        """``nn.ReLU()``."""
        return self.act(x, "ReLU", name)

    def pool(self, x: Tensor, kind: str, k: int, stride: int = 1, padding: int | None = None,
             name: str = "pool") -> Tensor:
        """``nn.MaxPool2d`` / ``nn.AvgPool2d`` (``kind`` ``"max"`` / ``"avg"``), padding default ``(k-1)//2``."""
        pad = (k - 1) // 2 if padding is None else padding
        ho = sh.out_size(x.h, k, stride, pad)
        info = _pool_info(kind, k)
        return self._add(info, name, [x], x.c, ho, stride, k, 1, sh.pool(x.c, x.h, k, stride, pad), weighted=True)

    def global_pool(self, x: Tensor, module: bool = True, name: str = "global_pool") -> Tensor:
        """``nn.AdaptiveAvgPool2d(1)``; ``module=False``: ``x.mean((2, 3))`` (a function: torchstat counts no FLOPs)."""
        info = OpInfo("Global average pooling", "op", "", parts.GLOBAL_AVG)
        cost = sh.global_pool(x.c, x.h) if module else sh.ZERO
        return self._add(info, name, [x], x.c, 1, cost=cost, weighted=module)

    def linear(self, x: Tensor, n_out: int, bias: bool = True, name: str = "linear") -> Tensor:
        """``nn.Linear(x.c, n_out)`` on the flattened features (call after :meth:`flatten`)."""
        info = OpInfo("Linear", "linear", "", parts.LINEAR)
        return self._add(info, name, [x], n_out, 1, cost=sh.linear(x.c, n_out, bias), weighted=True)

    def flatten(self, x: Tensor) -> Tensor:
        """``x.view(x.size(0), -1)`` after global pooling: plumbing, no node (the spatial size becomes 1)."""
        return Tensor(x.nodes, x.c * x.h * x.h, 1)

    def crop(self, x: Tensor, h: int) -> Tensor:
        """An indexing view such as ``x[:, :, 1:, 1:]``: plumbing, no node, a smaller spatial size."""
        return Tensor(x.nodes, x.c, h)

    def truncate(self, x: Tensor, c: int) -> Tensor:
        """A channel slice ``x[:, :c]``: plumbing, no node, fewer channels."""
        return Tensor(x.nodes, c, x.h)

    def const(self, c: int, h: int) -> Tensor:
        """A tensor that depends on no input's values (``x.new_zeros(...)``, ``torch.zeros_like``): no node."""
        return Tensor((), c, h)

    def add(self, xs: Sequence[Tensor], name: str = "add") -> Tensor:
        """``x + y`` (one node per binary add, as Python evaluates a sum)."""
        out = xs[0]
        for y in xs[1:]:
            info = OpInfo("Add", "merge", "", parts.ADD)
            out = self._add(info, name, [out, y], out.c, out.h)
        return out

    def cat(self, xs: Sequence[Tensor], name: str = "cat") -> Tensor:
        """``torch.cat(xs, dim=1)``."""
        kind = "merge" if len(xs) >= 2 else "soft"
        info = OpInfo("Concat", kind, "", parts.CONCAT)
        return self._add(info, name, list(xs), sum(t.c for t in xs), xs[0].h)

    def zero(self, x: Tensor, name: str = "zero") -> Tensor:
        """``x.mul(0.0)`` (a ``none`` edge): a node no data flows through."""
        return self._add(OpInfo("Multiply by zero", "zero"), name, [x], x.c, x.h)

    # composites --------------------------------------------------------------------------------------------------
    def relu_conv_bn(self, x: Tensor, c_out: int, k: int, stride: int = 1, affine: bool = True, dilation: int = 1,
                     padding: int | None = None, name: str = "relu_conv_bn") -> Tensor:
        """ReLU -> Conv2d -> BatchNorm2d (NAS-Bench-201 / DARTS / TransNAS-Bench ``ReLUConvBN``)."""
        y = self.conv(self.relu(x, name), c_out, k, stride, padding, dilation=dilation, name=name)
        return self.bn(y, affine, name)

    def conv_bn_relu(self, x: Tensor, c_out: int, k: int, stride: int = 1, name: str = "conv_bn_relu") -> Tensor:
        """Conv2d -> BatchNorm2d -> ReLU (NAS-Bench-101's operators and projections)."""
        return self.relu(self.bn(self.conv(x, c_out, k, stride, name=name), name=name), name)

    def factorized_reduce(self, x: Tensor, c_out: int, stride: int = 2, affine: bool = True,
                          name: str = "factorized_reduce") -> Tensor:
        """DARTS' FactorizedReduce: ReLU, ``cat([conv1x1/s(x), conv1x1/s(x[:, :, 1:, 1:])])`` (c_out/2 channels each;
        at stride 1 both convs read ``x``), BatchNorm2d."""
        x = self.relu(x, name)
        half = c_out // 2
        a = self.conv(x, half, 1, stride, name=name)
        b = self.conv(self.crop(x, x.h - 1) if stride > 1 else x, c_out - half, 1, stride, name=name)
        return self.bn(self.cat([a, b], name), affine, name)

    # the graph ---------------------------------------------------------------------------------------------------
    def graph(self, representation: str = "network") -> ArchGraph:
        """The network's architecture graph (folded, pruned and repeat-collapsed; see :mod:`tgnas_naslib.network`)."""
        return finish(self.raw, self.space, True, representation)[0]
