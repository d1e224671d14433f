"""Where TransNAS-Bench-101 micro cells and macro skeletons become graphs."""

from __future__ import annotations

import itertools
import re
from typing import Any, Iterator

import numpy as np

from ..graph import ArchGraph, ArchitectureError
from .base import CellSpace, SearchSpace, int_tuple

#: TransNAS-Bench micro op codes: 0=none, 1=skip, 2=ReLU-Conv1x1-BN, 3=ReLU-Conv3x3-BN (same ops as NB201)
MICRO_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
#: TransNAS-Bench's own edge order (NOT NB201's): node 0 = cell input, node 3 = cell output
MICRO_EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
_MICRO_STRING = re.compile(r"^(?:\d+-\d+-)?([0-3])_([0-3]{2})_([0-3]{3})$")

#: macro layer codes: each layer = 2 ResNet basic blocks; the first carries the change
MACRO_LAYER_OPS = {
    1: "resnet_basic_block",
    2: "resnet_basic_block_channel_x2",
    3: "resnet_basic_block_stride_2",
    4: "resnet_basic_block_stride_2_channel_x2",
}
_MACRO_STRING = re.compile(r"^(?:\d+-)?([1-4]{4,6})(?:-basic)?$")


class TransBench101Micro(CellSpace):
    """TransNAS-Bench-101 micro: a NB201-like 4-node cell with 4 ops; 4,096 architectures."""

    name = "transbench101_micro"
    aliases = ("tnb101_micro", "transnas_micro")
    cell_ops = MICRO_OPS
    cell_edges = MICRO_EDGES

    def canonical(self, arch: Any) -> tuple[int, ...]:
        """Accept 6 TNB codes (tuple/list/string of one) or a TNB cell string like ``1_02_333``."""
        if isinstance(arch, str) and "_" in arch:
            m = _MICRO_STRING.match(arch.strip())
            if not m:
                raise ArchitectureError(
                    f"malformed TransNAS-Bench micro string {arch!r}: expected e.g. '1_02_333' or '64-41414-1_02_333'"
                )
            return tuple(int(c) for c in "".join(m.groups()))
        return int_tuple(arch, 6, 0, len(MICRO_OPS) - 1, "TransNAS-Bench micro code tuple")

    def format(self, arch: Any) -> str:
        """The TransNAS-Bench cell string, e.g. ``1_02_333``."""
        a = self.canonical(arch)
        return f"{a[0]}_{a[1]}{a[2]}_{a[3]}{a[4]}{a[5]}"


def macro_is_valid(codes: tuple[int, ...]) -> bool:
    """TransNAS-Bench macro rules: 4-6 layers, 1-4 downsamplings (codes 3, 4), 1-3 channel doublings (2, 4)."""
    down = sum(c in (3, 4) for c in codes)
    wide = sum(c in (2, 4) for c in codes)
    return 4 <= len(codes) <= 6 and 1 <= down <= 4 and 1 <= wide <= 3


class TransBench101Macro(SearchSpace):
    """TransNAS-Bench-101 macro: a chain of 4-6 layers of 2 ResNet basic blocks; 3,256 valid skeletons."""

    name = "transbench101_macro"
    aliases = ("tnb101_macro", "transnas_macro")
    operators = tuple(MACRO_LAYER_OPS.values())

    def canonical(self, arch: Any) -> tuple[int, ...]:
        """Accept 4-6 layer codes (NASLib pads with trailing 0s) or a skeleton string like ``41414``."""
        if isinstance(arch, str) and not arch.strip().startswith(("(", "[")):
            m = _MACRO_STRING.match(arch.strip())
            if not m:
                raise ArchitectureError(
                    f"malformed TransNAS-Bench macro string {arch!r}: expected 4-6 digits in 1..4, e.g. '41414' "
                    "or '64-41414-basic'"
                )
            codes = tuple(int(c) for c in m.group(1))
        else:
            codes = int_tuple(arch, (4, 5, 6), 0, 4, "TransNAS-Bench macro code tuple")
            while codes and codes[-1] == 0:  # NASLib's sampler pads to 6 with zeros
                codes = codes[:-1]
            if 0 in codes:
                raise ArchitectureError(f"TransNAS-Bench macro codes {codes} have a 0 (padding) inside the sequence")
        if not macro_is_valid(codes):
            raise ArchitectureError(
                f"invalid TransNAS-Bench macro skeleton {codes}: needs 4-6 layers, 1-4 downsamplings (codes 3/4) "
                "and 1-3 channel doublings (codes 2/4)"
            )
        return codes

    def graph(self, arch: tuple[int, ...], representation: str = "prune") -> ArchGraph:
        """input -> (per layer: changing block, plain block) -> output; the residual adds are inside each block."""
        ops = ["input"]
        for code in arch:
            ops += [MACRO_LAYER_OPS[code], MACRO_LAYER_OPS[1]]
        ops.append("output")
        return ArchGraph(tuple(ops), tuple((i, i + 1) for i in range(len(ops) - 1)), self.name)

    def format(self, arch: Any) -> str:
        """The skeleton string, e.g. ``41414``."""
        return "".join(map(str, self.canonical(arch)))

    def size(self) -> int:
        """3,256 valid skeletons."""
        return sum(1 for _ in self.enumerate())

    def enumerate(self) -> Iterator[tuple[int, ...]]:
        """Every valid skeleton, shortest first."""
        for length in (4, 5, 6):
            for codes in itertools.product((1, 2, 3, 4), repeat=length):
                if macro_is_valid(codes):
                    yield codes

    def random(self, rng: np.random.Generator) -> tuple[int, ...]:
        """A random valid skeleton: uniform length 4-6, then uniform codes by rejection."""
        while True:
            codes = tuple(int(x) for x in rng.integers(1, 5, size=int(rng.integers(4, 7))))
            if macro_is_valid(codes):
                return codes
