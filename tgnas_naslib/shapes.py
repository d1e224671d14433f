"""Shapes and costs of the layers inside a network: what every graph node knows besides its operator name.

Counting follows NASLib's ``flops`` / ``params`` zero-cost measures (tensorwatch's torchstat, the counter behind
the NAS-Bench-Suite-Zero ``flops`` and ``params`` columns), so the analytic baselines reproduce the stored values:

* Conv2d: ``k*k * c_in/groups * c_out * h_out*w_out`` multiply-adds (+ one per output element with a bias);
* BatchNorm2d: one per element, two when affine; ReLU: one per element;
* Avg/MaxPool2d: ``k*k`` per output element (per input channel); AdaptiveAvgPool2d to 1x1: ``(h+1)*(w+1)`` per
  channel (torchstat's window count); Linear: ``n_in * n_out`` multiply-adds;
* parameters: every weight and bias, affine norms included.

Feature maps are square: ``h`` is both height and width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np


@dataclass(frozen=True, slots=True)
class Cost:
    """FLOPs (multiply-adds and element ops, as NASLib counts them) and parameters of some part of a network."""

    flops: float = 0.0
    params: float = 0.0

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.flops + other.flops, self.params + other.params)

    def __mul__(self, k: float) -> "Cost":
        return Cost(self.flops * k, self.params * k)

    __rmul__ = __mul__


ZERO = Cost()


def total(costs: Iterable[Cost]) -> Cost:
    """Sum of costs."""
    flops = params = 0.0
    for c in costs:
        flops += c.flops
        params += c.params
    return Cost(flops, params)


@dataclass(frozen=True, slots=True)
class NodeShape:
    """What one graph node computes, over every instance of it in the network.

    A cell graph stands for all the cells of its network: a node's ``instances`` are its copies (one per cell
    that uses the cell, e.g. 15 in NB201), ``flops`` / ``params`` are summed over them, and the geometry
    (``c_in``, ``c_out``, ``h_in``) is the geometric mean over them. ``stride``, ``kernel`` and ``groups`` are
    the operator's own (stride: the largest of its instances); ``groups == c_in`` is a depthwise layer.
    """

    c_in: float
    c_out: float
    h_in: float
    stride: int = 1
    kernel: int = 1
    groups: float = 1.0
    flops: float = 0.0
    params: float = 0.0
    instances: int = 1
    #: the fields above as one tuple (in RAW order), for fast feature matrices
    raw: tuple = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "raw", (self.c_in, self.c_out, self.h_in, self.stride, self.kernel, self.groups,
                                         self.flops, self.params, self.instances))

    @property
    def cost(self) -> Cost:
        """The node's summed cost."""
        return Cost(self.flops, self.params)


@dataclass(frozen=True, slots=True)
class Instance:
    """One copy of an operator in the network: its input/output channels, input size and stride, and cost."""

    c_in: int
    c_out: int
    h_in: int
    stride: int
    cost: Cost


def node_shape(instances: Sequence[Instance], kernel: int = 1, groups_per_cin: float = 0.0) -> NodeShape:
    """Summarise the copies of one operator as a NodeShape (``groups_per_cin`` 1.0 = depthwise, 0 = dense)."""
    n = len(instances)
    if n == 0:
        raise ValueError("an operator node needs at least one instance in the network")
    geo = lambda vals: round(math.exp(sum(math.log(max(v, 1)) for v in vals) / n), 4)  # noqa: E731
    c_in = geo([i.c_in for i in instances])
    groups = max(1.0, groups_per_cin * c_in)
    return NodeShape(c_in=c_in, c_out=geo([i.c_out for i in instances]), h_in=geo([i.h_in for i in instances]),
                     stride=max(i.stride for i in instances), kernel=kernel, groups=groups,
                     flops=sum(i.cost.flops for i in instances), params=sum(i.cost.params for i in instances),
                     instances=n)


# primitive layers (torchstat's counting) ----------------------------------------------------------------------------
def out_size(h: int, k: int, stride: int = 1, padding: int | None = None, dilation: int = 1) -> int:
    """Spatial output size of a conv / pool (``padding`` None = 'same' padding ``dilation*(k-1)//2``)."""
    if padding is None:
        padding = dilation * (k - 1) // 2
    return (h + 2 * padding - dilation * (k - 1) - 1) // stride + 1


@lru_cache(maxsize=None)
def conv(c_in: int, c_out: int, k: int, h: int, stride: int = 1, groups: int = 1, bias: bool = False,
         padding: int | None = None, dilation: int = 1) -> Cost:
    """A Conv2d on an ``h x h`` input."""
    ho = out_size(h, k, stride, padding, dilation)
    per_position = k * k * (c_in // groups) * c_out
    flops = per_position * ho * ho + (c_out * ho * ho if bias else 0)
    params = k * k * (c_in // groups) * c_out + (c_out if bias else 0)
    return Cost(float(flops), float(params))


@lru_cache(maxsize=None)
def bn(c: int, h: int, affine: bool = True) -> Cost:
    """A BatchNorm2d over ``c x h x h``."""
    return Cost(float(c * h * h * (2 if affine else 1)), float(2 * c if affine else 0))


def relu(c: int, h: int) -> Cost:
    """A ReLU over ``c x h x h``."""
    return Cost(float(c * h * h), 0.0)


@lru_cache(maxsize=None)
def pool(c: int, h: int, k: int, stride: int = 1, padding: int | None = None) -> Cost:
    """An AvgPool2d / MaxPool2d."""
    ho = out_size(h, k, stride, padding)
    return Cost(float(c * ho * ho * k * k), 0.0)


def global_pool(c: int, h: int) -> Cost:
    """AdaptiveAvgPool2d(1), as torchstat counts it (``(h+1)^2`` per channel)."""
    return Cost(float(c * (h + 1) * (h + 1)), 0.0)


def linear(n_in: int, n_out: int, bias: bool = True) -> Cost:
    """A Linear layer on one vector."""
    return Cost(float(n_in * n_out), float(n_in * n_out + (n_out if bias else 0)))


# common composite operators -----------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def relu_conv_bn(c_in: int, c_out: int, k: int, h: int, stride: int = 1, affine: bool = True,
                 dilation: int = 1, padding: int | None = None) -> Cost:
    """ReLU -> Conv2d(k, stride) -> BatchNorm2d (NB201, DARTS, TNB101 cell operators)."""
    ho = out_size(h, k, stride, padding, dilation)
    return relu(c_in, h) + conv(c_in, c_out, k, h, stride, padding=padding, dilation=dilation) + bn(c_out, ho, affine)


@lru_cache(maxsize=None)
def conv_bn_relu(c_in: int, c_out: int, k: int, h: int, stride: int = 1) -> Cost:
    """Conv2d -> BatchNorm2d -> ReLU (NB101 operators and projections)."""
    ho = out_size(h, k, stride)
    return conv(c_in, c_out, k, h, stride) + bn(c_out, ho) + relu(c_out, ho)


@lru_cache(maxsize=None)
def factorized_reduce(c_in: int, c_out: int, h: int, affine: bool = True, stride: int = 2) -> Cost:
    """DARTS' FactorizedReduce: ReLU, two strided 1x1 convs to c_out/2 each (concatenated), BatchNorm2d."""
    ho = out_size(h, 1, stride)
    half = c_out // 2
    return (relu(c_in, h) + conv(c_in, half, 1, h, stride) + conv(c_in, c_out - half, 1, h, stride)
            + bn(c_out, ho, affine))


# node features -----------------------------------------------------------------------------------------------------
#: absolute per-node features (log scale): the node's own geometry and summed cost
NODE_ABSOLUTE = ("log2_c_in", "log2_c_out", "log2_h_in", "log2_stride", "log2_kernel", "log2_group_width",
                 "log10_flops", "log10_params", "log2_instances")
#: the network's size (log scale), as node features (broadcast) or as graph features (a linear size term)
NETWORK = ("log10_net_flops", "log10_net_params")
#: scale-free per-node features: what the node does to its input, and its share of the network's cost
NODE_RELATIVE = ("log2_channel_ratio", "log2_stride", "log2_kernel", "depthwise", "log10_flops_share",
                 "log10_params_share")
#: scale-free features of a node in a whole-network graph: what it does, its cost share, how often it repeats and
#: how far the network has downsampled its input before it
NODE_NETWORK = NODE_RELATIVE + ("log2_instances", "log2_downsampling")
#: the whole network: its size, and its depth (convolution / linear layers on the longest path, repeats counted)
NETWORK_DEPTH = NETWORK + ("log2_depth",)
#: feature sets a model can be trained with: (node features, graph features)
FEATURE_SETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "none": ((), ()),
    "node": (NODE_ABSOLUTE, ()),
    "node+net": (NODE_ABSOLUTE + NETWORK, ()),
    "rel": (NODE_RELATIVE, ()),
    "size": ((), NETWORK),
    "rel+size": (NODE_RELATIVE, NETWORK),
    "network": (NODE_NETWORK, NETWORK_DEPTH),
    "network-nosize": (NODE_NETWORK, ()),
    "network-noinst": (NODE_RELATIVE + ("log2_downsampling",), NETWORK_DEPTH),
    "network-noinst-nosize": (NODE_RELATIVE + ("log2_downsampling",), ()),
    "network-text": ((), NETWORK_DEPTH),
}
#: smallest cost share that is told apart (log10: -6)
_MIN_SHARE = 1e-6


def _log(base: float, v: float) -> float:
    return math.log(max(float(v), 1.0), base)


def node_feature_dict(shape: NodeShape, network: Cost, input_size: float = 1.0) -> dict[str, float]:
    """Every numeric node feature of one node, by name (log scale); ``input_size``: the network input's spatial size
    (for ``log2_downsampling``). The graph-level ``log2_depth`` needs the whole graph (model.featurize)."""
    group_width = shape.c_in / max(shape.groups, 1.0)
    return {
        "log2_c_in": _log(2, shape.c_in), "log2_c_out": _log(2, shape.c_out), "log2_h_in": _log(2, shape.h_in),
        "log2_stride": _log(2, shape.stride), "log2_kernel": _log(2, shape.kernel),
        "log2_group_width": _log(2, group_width), "log10_flops": math.log10(1.0 + shape.flops),
        "log10_params": math.log10(1.0 + shape.params), "log2_instances": _log(2, shape.instances),
        "log2_channel_ratio": math.log2(max(shape.c_out, 1.0) / max(shape.c_in, 1.0)),
        "depthwise": min(1.0, shape.groups / max(shape.c_in, 1.0)) if shape.groups > 1 else 0.0,
        "log10_flops_share": math.log10(max(shape.flops / max(network.flops, 1.0), _MIN_SHARE)),
        "log10_params_share": math.log10(max(shape.params / max(network.params, 1.0), _MIN_SHARE)),
        "log2_downsampling": math.log2(max(input_size, 1.0) / max(shape.h_in, 1.0)),
        **network_feature_dict(network),
    }


def network_feature_dict(network: Cost) -> dict[str, float]:
    """The network's size features (log scale)."""
    return {"log10_net_flops": math.log10(1.0 + network.flops), "log10_net_params": math.log10(1.0 + network.params)}


#: the raw numbers of a NodeShape that features are computed from, in this column order (see feature_columns)
RAW = ("c_in", "c_out", "h_in", "stride", "kernel", "groups", "flops", "params", "instances")


def feature_columns(raw: np.ndarray, net: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Vectorised :func:`node_feature_dict`: ``raw`` [nodes, RAW] and ``net`` [nodes, (flops, params[, input size])]
    of each node's network -> the named feature columns, float32 [nodes, len(names)]."""
    def log(base: float, v: np.ndarray) -> np.ndarray:
        return np.log(np.maximum(v, 1.0)) / np.log(base)

    c_in, c_out, h_in, stride, kernel, groups, flops, params, instances = raw.T
    net_flops, net_params = net[:, 0], net[:, 1]
    columns = {
        "log2_c_in": lambda: log(2, c_in), "log2_c_out": lambda: log(2, c_out), "log2_h_in": lambda: log(2, h_in),
        "log2_stride": lambda: log(2, stride), "log2_kernel": lambda: log(2, kernel),
        "log2_group_width": lambda: log(2, c_in / np.maximum(groups, 1.0)),
        "log10_flops": lambda: np.log10(1.0 + flops), "log10_params": lambda: np.log10(1.0 + params),
        "log2_instances": lambda: log(2, instances),
        "log2_channel_ratio": lambda: np.log2(np.maximum(c_out, 1.0) / np.maximum(c_in, 1.0)),
        "depthwise": lambda: np.where(groups > 1, np.minimum(1.0, groups / np.maximum(c_in, 1.0)), 0.0),
        "log10_flops_share": lambda: np.log10(np.maximum(flops / np.maximum(net_flops, 1.0), _MIN_SHARE)),
        "log10_params_share": lambda: np.log10(np.maximum(params / np.maximum(net_params, 1.0), _MIN_SHARE)),
        "log10_net_flops": lambda: np.log10(1.0 + net_flops), "log10_net_params": lambda: np.log10(1.0 + net_params),
        "log2_downsampling": lambda: np.log2(np.maximum(net[:, 2], 1.0) / np.maximum(h_in, 1.0)),
    }
    out = np.empty((raw.shape[0], len(names)), dtype=np.float32)
    for k, name in enumerate(names):
        out[:, k] = columns[name]()
    return out


def node_features(shape: NodeShape, network: Cost, names: Sequence[str] = NODE_ABSOLUTE + NETWORK,
                  input_size: float = 1.0) -> tuple[float, ...]:
    """The named numeric features of one node, in order; the model standardises them."""
    d = node_feature_dict(shape, network, input_size)
    return tuple(d[n] for n in names)


def network_features(network: Cost, names: Sequence[str] = NETWORK) -> tuple[float, ...]:
    """The named graph-level features of a network."""
    d = network_feature_dict(network)
    return tuple(d[n] for n in names)
