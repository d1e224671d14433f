"""Where NAS-Bench-Macro architectures become graphs (Su et al., "Prioritized Architecture Sampling with Monto-Carlo
Tree Search", CVPR 2021; github xiusu/NAS-Bench-Macro, ``train/model.py``).

**Encoding.** An architecture is 8 digits, one per searchable layer, in stages of 2, 3 and 3 layers:
``0`` identity, ``1`` MobileNetV2 inverted residual block with a 3x3 depthwise kernel and expansion 3
(the authors' ``ir_3x3_t3``), ``2`` the same with a 5x5 kernel and expansion 6 (``ir_5x5_t6``). The benchmark's
key is the digit string (``"02012100"``); the canonical form here is the tuple of the 8 ints.

**Network.** Stem Conv3x3 (3 -> 32) + BN + ReLU on the 32x32 CIFAR-10 image; then the 8 layers. The first layer of
each stage has stride 2 and doubles the channels (64, 128, 256 at 16, 8, 4 pixels); an identity there becomes a
strided Conv1x1 + BN (no ReLU). A block is Conv1x1 (c -> t*c) + BN + ReLU, depthwise Conv kxk (stride) + BN + ReLU,
Conv1x1 (t*c -> c') + BN, plus the input where the shape is unchanged (every block outside a stage's first layer).
Head: Conv1x1 (256 -> 1280) + BN + ReLU, global average pooling, Linear (1280 -> 10). No conv has a bias.
An identity in a stage's 2nd or 3rd layer is no layer at all, so moving it within its stage gives the same network:
the authors trained each such class once and stored it under every key (``get_real_arch`` in their
``train/collect_benchmark.py``; :func:`real_arch`), 3,969 distinct networks for 6,561 keys.

**Counting.** :func:`network_cost` counts as the rest of the project (:mod:`tgnas_naslib.shapes`, torchstat's
rules as NASLib's ``flops`` / ``params`` measures): its parameters equal the benchmark's stored ``params`` for all
6,561 archs (every conv weight, BN weight and bias, linear weight and bias; tested). The stored ``flops`` follow
another convention, the authors' ``count_FLOPs`` (``train/utils.py``): multiply-accumulates of the Conv2d layers
(``k*k * c_in/groups * c_out * h_out*w_out``) plus ``in * out`` for the Linear layer, nothing else (no BN, ReLU,
pooling, residual additions or biases; the spatial size is passed from conv to conv in registration order, which
is the forward order in this network). :func:`authors_flops` reproduces the stored value exactly for all 6,561.
The two differ by exactly the terms torchstat adds: 2 per BN output element, 1 per ReLU element and the global
pool's ``(4+1)^2`` windows per channel, i.e. ``network_cost(a).flops - authors_flops(a)`` is
``2 * BN elements + ReLU elements + 1280 * 25``. That difference is not a constant (BN and ReLU elements grow with
the blocks' expanded channels): 249,088 for the all-identity network (stem BN-ReLU 98,304, the three downsampling
BNs 57,344, head BN-ReLU 61,440, pooling 32,000), 1.69 M on average, up to 3.10 M (1.6 % to 5.5 % of the stored
value). The two counts rank the 6,561 archs almost alike (Spearman 0.9998); against ``mean_acc`` the stored
``flops`` give rho 0.748, these FLOPs 0.756, params (either) 0.318.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Any, Iterator, NamedTuple

import numpy as np

from .. import shapes as sh
from ..convert import plain
from ..graph import INPUT, OUTPUT, ArchGraph, ArchitectureError
from ..network import NetworkBuilder, Tensor
from ..shapes import Cost, Instance, NodeShape
from .base import DEFAULT_REPRESENTATION, TABLE, SearchSpace, check_representation

#: the authors' operator names by code (``candidate_OP`` in train/model.py)
OPS = ("id", "ir_3x3_t3", "ir_5x5_t6")
#: code -> (depthwise kernel, expansion) of the inverted residual blocks
BLOCKS = {1: (3, 3), 2: (5, 6)}
#: searchable layers per stage; the first of each has stride 2 and doubles the channels
STAGES = (2, 3, 3)
LAYERS = sum(STAGES)
INIT_CHANNELS = 32
HEAD_CHANNELS = 1280
#: dataset -> (input size, classes)
DATASETS = {"cifar10": (32, 10)}
#: legacy (``prune`` / ``ops``) operator names of the blocks by code (the authors' names are vocabulary aliases);
#: "conv" and the kernel in the name let the kernel-area heuristic count them (baselines.op_weight)
BLOCK_OPS = {1: "mbconv_3x3_e3", 2: "mbconv_5x5_e6"}
#: legacy operator name of a first-layer identity: the strided Conv1x1 + BN that replaces it
DOWNSAMPLE = "downsample_conv_1x1"
#: legacy operator name of an identity layer kept as a node (``ops`` representation only)
SKIP = "skip_connect"
#: what a valid key looks like, for error messages
KEY_FORM = ("8 digits in 0..2, one per layer (0 identity, 1 MB block k3 e3, 2 MB block k5 e6), "
            "e.g. '02012100' or (0, 2, 0, 1, 2, 1, 0, 0)")


class Layer(NamedTuple):
    """One searchable layer of the network: its code, channels in / out, input size and stride."""

    code: int
    c_in: int
    c_out: int
    h_in: int
    stride: int

    @property
    def h_out(self) -> int:
        """Output size (every conv is 'same'-padded, so only the stride changes it)."""
        return sh.out_size(self.h_in, 1, self.stride)

    @property
    def residual(self) -> bool:
        """Whether the shape is unchanged here: a block adds its input, an identity is no layer at all."""
        return self.stride == 1 and self.c_in == self.c_out


@lru_cache(maxsize=8192)
def layers(arch: tuple[int, ...], dataset: str = "cifar10") -> tuple[Layer, ...]:
    """The 8 searchable layers of an architecture with their channels, input sizes and strides."""
    h = DATASETS[dataset][0]
    c = INIT_CHANNELS
    out = []
    codes = iter(arch)
    for n in STAGES:
        for i in range(n):
            stride, c_out = (2, 2 * c) if i == 0 else (1, c)
            out.append(Layer(next(codes), c, c_out, h, stride))
            h = sh.out_size(h, 1, stride)
            c = c_out
    return tuple(out)


def real_arch(arch: tuple[int, ...]) -> tuple[int, ...]:
    """The key the authors trained an architecture under: identities in a stage's later layers moved to its end
    (their ``get_real_arch``); archs with the same real arch are the same network."""
    out: list[int] = []
    it = iter(arch)
    for n in STAGES:
        stage = [next(it) for _ in range(n)]
        rest = [c for c in stage[1:] if c != 0]
        out += [stage[0], *rest, *[0] * (n - 1 - len(rest))]
    return tuple(out)


# cost ----------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _layer_cost(layer: Layer) -> Cost:
    """One searchable layer, torchstat's counting (a later-layer identity costs nothing)."""
    c_in, c_out, h, s = layer.c_in, layer.c_out, layer.h_in, layer.stride
    ho = layer.h_out
    if layer.code == 0:
        return sh.ZERO if layer.residual else sh.conv(c_in, c_out, 1, h, s) + sh.bn(c_out, ho)
    k, t = BLOCKS[layer.code]
    hid = round(c_in * t)
    return (sh.conv(c_in, hid, 1, h) + sh.bn(hid, h) + sh.relu(hid, h)
            + sh.conv(hid, hid, k, h, s, groups=hid) + sh.bn(hid, ho) + sh.relu(hid, ho)
            + sh.conv(hid, c_out, 1, ho) + sh.bn(c_out, ho))


@lru_cache(maxsize=None)
def _skeleton(dataset: str) -> tuple[Cost, Cost]:
    """(stem, head) costs: Conv3x3-BN-ReLU to 32 channels; Conv1x1-BN-ReLU to 1280, global pool, linear."""
    h, classes = DATASETS[dataset]
    stem = sh.conv(3, INIT_CHANNELS, 3, h) + sh.bn(INIT_CHANNELS, h) + sh.relu(INIT_CHANNELS, h)
    last = layers((0,) * LAYERS, dataset)[-1]
    c, ho = last.c_out, last.h_out
    head = (sh.conv(c, HEAD_CHANNELS, 1, ho) + sh.bn(HEAD_CHANNELS, ho) + sh.relu(HEAD_CHANNELS, ho)
            + sh.global_pool(HEAD_CHANNELS, ho) + sh.linear(HEAD_CHANNELS, classes))
    return stem, head


@lru_cache(maxsize=8192)
def network_cost(arch: tuple[int, ...], dataset: str = "cifar10") -> Cost:
    """Exact whole-network FLOPs and params (torchstat's counting, :mod:`tgnas_naslib.shapes`); params equal the
    benchmark's stored ``params``."""
    stem, head = _skeleton(dataset)
    return sh.total([stem, *(_layer_cost(layer) for layer in layers(arch, dataset)), head])


def _conv_macs(c_in: int, c_out: int, k: int, h_out: int, groups: int = 1) -> int:
    return k * k * (c_in // groups) * c_out * h_out * h_out


def authors_flops(arch: tuple[int, ...], dataset: str = "cifar10") -> int:
    """The benchmark's stored ``flops``: the authors' ``count_FLOPs``, Conv2d multiply-accumulates plus the Linear
    layer's ``in * out`` (no BN, ReLU, pooling, additions or biases); exact for all 6,561 archs."""
    h, classes = DATASETS[dataset]
    total = _conv_macs(3, INIT_CHANNELS, 3, h)
    for layer in layers(arch, dataset):
        ho = layer.h_out
        if layer.code == 0:
            total += 0 if layer.residual else _conv_macs(layer.c_in, layer.c_out, 1, ho)
            continue
        k, t = BLOCKS[layer.code]
        hid = round(layer.c_in * t)
        total += (_conv_macs(layer.c_in, hid, 1, layer.h_in) + _conv_macs(hid, hid, k, ho, hid)
                  + _conv_macs(hid, layer.c_out, 1, ho))
    last = layers(arch, dataset)[-1]
    return total + _conv_macs(last.c_out, HEAD_CHANNELS, 1, last.h_out) + HEAD_CHANNELS * classes


# the network, layer by layer -----------------------------------------------------------------------------------
def build_network(arch: tuple[int, ...], dataset: str = "cifar10", space: str = "nasbench_macro") -> NetworkBuilder:
    """The NAS-Bench-Macro network, layer by layer as its ``forward`` runs (the same network as
    :func:`tgnas_naslib.modules.nets.nasbench_macro.nasbench_macro_network`)."""
    h, classes = DATASETS[dataset]
    net = NetworkBuilder(space)
    x = net.input(3, h)
    x = net.relu(net.bn(net.conv(x, INIT_CHANNELS, 3, name="stem"), name="stem"), name="stem")
    for i, layer in enumerate(layers(arch, dataset)):
        x = _layer(net, layer, x, f"features.{i}")
    # layer names follow the module's (out.0 conv ... out.3 pool): the skeleton finds blocks by module scope
    x = net.relu(net.bn(net.conv(x, HEAD_CHANNELS, 1, name="out.0"), name="out.1"), name="out.2")
    x = net.flatten(net.global_pool(x, name="out.3"))
    net.output(net.linear(x, classes, name="classifier"))
    return net


def _layer(net: NetworkBuilder, layer: Layer, x: Tensor, name: str) -> Tensor:
    """One searchable layer: nothing (identity), the strided Conv1x1-BN (first-layer identity) or a block."""
    if layer.code == 0:
        if layer.residual:
            return x
        return net.bn(net.conv(x, layer.c_out, 1, layer.stride, name=name), name=name)
    k, t = BLOCKS[layer.code]
    hid = round(layer.c_in * t)
    y = net.relu(net.bn(net.conv(x, hid, 1, name=f"{name}.pw"), name=f"{name}.pw"), name=f"{name}.pw")
    y = net.conv(y, hid, k, layer.stride, groups=hid, name=f"{name}.dw")
    y = net.relu(net.bn(y, name=f"{name}.dw"), name=f"{name}.dw")
    y = net.bn(net.conv(y, layer.c_out, 1, name=f"{name}.pwl"), name=f"{name}.pwl")
    return net.add([y, x], f"{name}.add") if layer.residual else y


# the legacy op-level chain graph -------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _block_shape(layer: Layer) -> NodeShape:
    kernel = BLOCKS[layer.code][0] if layer.code else 1
    return sh.node_shape([Instance(layer.c_in, layer.c_out, layer.h_in, layer.stride, _layer_cost(layer))], kernel)


@lru_cache(maxsize=8192)
def chain_graph(arch: tuple[int, ...], keep_skips: bool = False, space: str = "nasbench_macro") -> ArchGraph:
    """The legacy graph of the cell-trained models: input (the stem's output), one node per block (``mbconv_3x3_e3``,
    ``mbconv_5x5_e6``) or first-layer identity (``downsample_conv_1x1``, the strided Conv1x1-BN), output (what the
    head gets); a block's residual is a plain edge from its input to what follows, and so is a later-layer identity
    (``keep_skips``: a ``skip_connect`` node instead). Every node with its channels, size, stride and cost; the
    graph's cost is the whole network's."""
    net_layers = layers(arch)
    first = net_layers[0]
    ops = [INPUT]
    shapes = [sh.node_shape([Instance(first.c_in, first.c_in, first.h_in, 1, sh.ZERO)])]
    edges: list[tuple[int, int]] = []
    feeding = [0]  # graph nodes whose sum is the current layer's input
    for layer in net_layers:
        if layer.code == 0 and layer.residual and not keep_skips:
            continue
        node = len(ops)
        if layer.code == 0:
            ops.append(SKIP if layer.residual else DOWNSAMPLE)
        else:
            ops.append(BLOCK_OPS[layer.code])
        shapes.append(_block_shape(layer))
        edges += [(p, node) for p in feeding]
        feeding = [node] + feeding if layer.code and layer.residual else [node]
    last = net_layers[-1]
    ops.append(OUTPUT)
    shapes.append(sh.node_shape([Instance(last.c_out, last.c_out, last.h_out, 1, sh.ZERO)]))
    edges += [(p, len(ops) - 1) for p in feeding]
    return ArchGraph(tuple(ops), tuple(edges), space, tuple(shapes), network_cost(arch))


# parsing -------------------------------------------------------------------------------------------------------
def parse_key(arch: Any) -> tuple[int, ...]:
    """An 8-digit key string or a sequence of 8 ints in 0..2 -> the canonical tuple; anything else raises
    :class:`ArchitectureError` with one line naming the problem and the valid form."""
    if isinstance(arch, str):
        text = arch.strip()
        if text.startswith(("(", "[")):
            from .base import literal

            return parse_key(literal(text, "NAS-Bench-Macro key"))
        if len(text) != LAYERS:
            raise ArchitectureError(f"NAS-Bench-Macro key {arch!r} has {len(text)} characters; expected {KEY_FORM}")
        for i, ch in enumerate(text):
            if ch not in "012":
                what = "a digit outside 0..2" if ch.isdigit() else "not a digit"
                raise ArchitectureError(f"NAS-Bench-Macro key {arch!r}: layer {i + 1} is {ch!r}, {what}; "
                                        f"expected {KEY_FORM}")
        return tuple(int(ch) for ch in text)
    if isinstance(arch, (int, np.integer)) and not isinstance(arch, bool):
        raise ArchitectureError(f"NAS-Bench-Macro key {arch!r} is an int, which loses leading zeros; "
                                f"expected {KEY_FORM}")
    value = plain(arch)
    if not isinstance(value, tuple):
        raise ArchitectureError(f"NAS-Bench-Macro key must be a string or a sequence, got "
                                f"{type(arch).__name__} {arch!r:.80}; expected {KEY_FORM}")
    if len(value) != LAYERS:
        raise ArchitectureError(f"NAS-Bench-Macro key {value!r:.120} has {len(value)} entries; expected {KEY_FORM}")
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ArchitectureError(f"NAS-Bench-Macro key {value!r:.120}: layer {i + 1} is {v!r} "
                                    f"({type(v).__name__}), not an int; expected {KEY_FORM}")
        if not 0 <= v < len(OPS):
            raise ArchitectureError(f"NAS-Bench-Macro key {value!r:.120}: layer {i + 1} is {v}, outside 0..2; "
                                    f"expected {KEY_FORM}")
    return value


class NasBenchMacro(SearchSpace):
    """NAS-Bench-Macro: 8 layers of {identity, MB k3 e3, MB k5 e6} in an MobileNetV2-style chain; 6,561 archs."""

    name = "nasbench_macro"
    family = "nbmacro"
    aliases = ("nbmacro", "nas-bench-macro", "nasbench-macro", "nb_macro")
    supports = frozenset({TABLE})
    operators = (*BLOCK_OPS.values(), DOWNSAMPLE, SKIP)
    datasets = tuple(DATASETS)

    def canonical(self, arch: Any) -> tuple[int, ...]:
        """Accept the 8-digit key string (``"02012100"``) or a tuple / list of 8 ints in 0..2."""
        if type(arch) is tuple and len(arch) == LAYERS and all(type(v) is int and 0 <= v <= 2 for v in arch):
            return arch  # fast path: already canonical
        return parse_key(arch)

    def format(self, arch: Any) -> str:
        """The benchmark's key string, e.g. ``02012100``."""
        return "".join(map(str, self.canonical(arch)))

    def graph(self, arch: tuple[int, ...], representation: str = DEFAULT_REPRESENTATION) -> ArchGraph:
        """The legacy op-level chain graph (:func:`chain_graph`); ``ops`` keeps later-layer identities as
        ``skip_connect`` nodes."""
        return chain_graph(arch, check_representation(representation) == "ops", self.name)

    def build_network(self, arch: tuple[int, ...], dataset: str) -> NetworkBuilder:
        """The network the benchmark trained, layer by layer."""
        return build_network(arch, dataset, self.name)

    def network_cost(self, arch: tuple[int, ...], dataset: str) -> Cost:
        """Exact FLOPs (torchstat's counting) and params (equal to the stored ``params``)."""
        return network_cost(arch, dataset)

    def authors_flops(self, arch: Any) -> int:
        """The benchmark's stored ``flops`` convention (conv + linear multiply-accumulates), see the module doc."""
        return authors_flops(self.canonical(arch))

    def size(self) -> int:
        """3^8 = 6,561."""
        return len(OPS) ** LAYERS

    def enumerate(self) -> Iterator[tuple[int, ...]]:
        """Every architecture in the order of the benchmark's keys sorted ('00000000' first)."""
        return itertools.product(range(len(OPS)), repeat=LAYERS)

    def random(self, rng: np.random.Generator) -> tuple[int, ...]:
        """A uniformly random architecture."""
        return tuple(int(x) for x in rng.integers(0, len(OPS), size=LAYERS))
