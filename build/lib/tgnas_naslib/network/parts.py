"""Canonical layer texts ("parts") of the ``network`` representation: what a layer is, never how wide it is.

A graph node's operator name is its parts joined by ``", "`` (``"ReLU, 3x3 convolution, batch normalization"``);
channels, spatial size, stride, groups and cost live in the node's shape. The space adapters and the module tracer
both name layers through these functions, so the same layer gets the same text whichever way it comes in. The
operator embedder embeds each part and averages them (:mod:`tgnas_naslib.embedding`).
"""

from __future__ import annotations

from typing import Sequence

#: separator between the parts of one node's text (never inside a part)
SEP = ", "

INPUT = "input"
OUTPUT = "output"
ADD = "addition"
CONCAT = "concatenation"
LINEAR = "fully connected layer"
GLOBAL_AVG = "global average pooling"
GLOBAL_MAX = "global max pooling"

#: torch.nn normalisation class prefixes -> part text
NORMS = {
    "BatchNorm": "batch normalization", "SyncBatchNorm": "batch normalization", "LayerNorm": "layer normalization",
    "GroupNorm": "group normalization", "InstanceNorm": "instance normalization", "RMSNorm": "RMS normalization",
    "LocalResponseNorm": "local response normalization",
}
#: activation class / function names -> part text
ACTIVATIONS = {
    "ReLU": "ReLU", "ReLU6": "ReLU6", "GELU": "GELU", "SiLU": "SiLU", "Sigmoid": "sigmoid", "Tanh": "tanh",
    "Hardswish": "hard swish", "Hardsigmoid": "hard sigmoid", "LeakyReLU": "leaky ReLU", "ELU": "ELU", "SELU": "SELU",
    "CELU": "CELU", "Mish": "Mish", "Softplus": "softplus", "Hardtanh": "hard tanh", "PReLU": "PReLU",
    "RReLU": "randomized leaky ReLU", "Softsign": "softsign", "Tanhshrink": "tanh shrink", "LogSigmoid": "log sigmoid",
    "GLU": "gated linear unit", "Threshold": "threshold", "Hardshrink": "hard shrink", "Softshrink": "soft shrink",
}


def _kernel(kernel: int | Sequence[int]) -> str:
    ks = tuple(kernel) if isinstance(kernel, (tuple, list)) else (kernel,)
    ks = tuple(int(k) for k in ks)
    if len(ks) == 1 or all(k == ks[0] for k in ks):
        return "x".join([str(ks[0])] * max(2, len(ks))) if len(ks) != 1 else f"{ks[0]}x{ks[0]}"
    return "x".join(map(str, ks))


def conv(kernel: int | Sequence[int], groups: int = 1, c_in: int = 0, dilation: int = 1, transposed: bool = False,
         dims: int = 2) -> str:
    """A convolution: ``"3x3 convolution"``, ``"5x5 depthwise convolution dilation 2"``, ``"3x3 grouped ..."``."""
    k = _kernel(kernel) if dims == 2 or isinstance(kernel, (tuple, list)) else str(kernel)
    words = [k]
    if groups > 1:
        words.append("depthwise" if groups == c_in else "grouped")
    if transposed:
        words.append("transposed")
    words.append("convolution" if dims == 2 else f"{dims}D convolution")
    if dilation > 1:
        words.append(f"dilation {dilation}")
    return " ".join(words)


def pool(kind: str, kernel: int | Sequence[int]) -> str:
    """A local pooling window: ``"3x3 max pooling"`` / ``"2x2 average pooling"``."""
    return f"{_kernel(kernel)} {'max' if kind == 'max' else 'average'} pooling"


def norm(cls_name: str) -> str:
    """A normalisation layer by its torch.nn class name (``BatchNorm2d`` -> ``"batch normalization"``)."""
    for prefix, text in NORMS.items():
        if cls_name.startswith(prefix):
            return text
    return cls_name


def activation(name: str) -> str:
    """An activation by its class name (``ReLU6``) or canonical name."""
    return ACTIVATIONS.get(name, name)


def join(parts: Sequence[str]) -> str:
    """One node's operator name from its parts."""
    return SEP.join(parts)


def split(op: str) -> list[str]:
    """The parts of a node's operator name (an op name without separators is one part)."""
    return [p for p in op.split(SEP) if p] or [op]


def known_parts() -> list[str]:
    """Every part text the packaged part-embedding cache holds: what the space adapters and the tracer emit for
    common layers (any kernel 1-11, plain / depthwise / grouped / dilated / transposed convolutions, pools, norms,
    activations, merges) plus every ``torch.nn`` layer class name, so scoring a typical module embeds nothing new."""
    import torch.nn as nn

    out = {INPUT, OUTPUT, ADD, CONCAT, LINEAR, GLOBAL_AVG, GLOBAL_MAX, "stacking", "elementwise multiplication",
           "add constant", "mean", "embedding table", "convolution", "max pooling", "average pooling",
           "adaptive average pooling", "adaptive max pooling"}
    out |= set(NORMS.values()) | set(ACTIVATIONS.values())
    for k in (1, 2, 3, 4, 5, 6, 7, 9, 11):
        for groups, c_in in ((1, 0), (8, 8), (8, 16)):
            for dilation in (1, 2, 3):
                for transposed in (False, True):
                    out.add(conv(k, groups, c_in, dilation, transposed))
        for kind in ("max", "avg"):
            out.add(pool(kind, k))
    for k in (2, 3, 4, 5, 6, 7):
        for kind in ("average", "max"):
            out.add(f"adaptive {kind} pooling to {k}x{k}")
    for mode in ("nearest", "bilinear", "bicubic"):
        for scale in ("", " x2", " x4"):
            out.add(f"{mode} upsampling{scale}")
    out |= {n for n in dir(nn) if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), nn.Module)}
    return sorted(out)
