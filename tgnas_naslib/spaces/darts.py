"""Where DARTS / NAS-Bench-301 cells become graphs: NASLib compact genotypes and DARTS ``Genotype``s."""

from __future__ import annotations

import ast
import re
from typing import Any, Mapping, NamedTuple

import numpy as np

from ..graph import ArchGraph, ArchitectureError, edge_op_graph
from .base import SearchSpace, plain

#: NASLib's COMPACT_OPS order for NB301 compact encodings
OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
       "dil_conv_5x5")
NUM_INTERMEDIATE = 4


class Genotype(NamedTuple):
    """The DARTS genotype: per cell, 8 (op, input) pairs (2 per intermediate node) and the concatenated nodes."""

    normal: list
    normal_concat: list
    reduce: list
    reduce_concat: list


def _parse_genotype_string(text: str) -> dict:
    """Parse ``Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), ...)`` without eval."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ArchitectureError(f"malformed DARTS genotype string {text!r:.200}") from None
    if not isinstance(tree, ast.Call) or not tree.keywords:
        raise ArchitectureError(f"malformed DARTS genotype string {text!r:.200}: expected Genotype(normal=..., ...)")
    out = {}
    for kw in tree.keywords:
        node = kw.value
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "range":
            out[kw.arg] = list(range(*[ast.literal_eval(a) for a in node.args]))
        else:
            try:
                out[kw.arg] = ast.literal_eval(node)
            except ValueError:
                raise ArchitectureError(f"malformed DARTS genotype field {kw.arg!r} in {text!r:.200}") from None
    return out


def _cell_from_pairs(pairs: Any, what: str) -> tuple[tuple[int | str, ...], ...]:
    pairs = plain(pairs)
    if not isinstance(pairs, tuple) or len(pairs) != 2 * NUM_INTERMEDIATE:
        raise ArchitectureError(f"DARTS {what} cell must have {2 * NUM_INTERMEDIATE} (input, op) pairs, got "
                                f"{len(pairs) if isinstance(pairs, tuple) else pairs!r}")
    cell = []
    for k, pair in enumerate(pairs):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise ArchitectureError(f"DARTS {what} cell entry {k} is {pair!r}, not a pair")
        # DARTS Genotype pairs are (op_name, input); NASLib compact pairs are (input, op_index)
        op, src = (pair[0], pair[1]) if isinstance(pair[0], str) else (pair[1], pair[0])
        node = 2 + k // 2
        if isinstance(src, bool) or not isinstance(src, int) or not 0 <= src < node:
            raise ArchitectureError(
                f"DARTS {what} cell entry {k}: intermediate node {node} cannot take input {src!r} (valid: 0..{node - 1})"
            )
        if isinstance(op, int) and not isinstance(op, bool):
            if not 0 <= op < len(OPS):
                raise ArchitectureError(f"DARTS {what} cell entry {k}: op index {op} outside 0..{len(OPS) - 1}")
            op = OPS[op]
        if not isinstance(op, str) or not op.strip():
            raise ArchitectureError(f"DARTS {what} cell entry {k}: op {op!r} is not an operator name")
        cell.append((src, op))
    return tuple(cell)


class Darts(SearchSpace):
    """DARTS / NAS-Bench-301: normal and reduction cells, 2 inputs + 4 intermediate nodes each."""

    name = "nasbench301"
    aliases = ("darts", "nb301", "nas-bench-301")
    operators = OPS
    none_ops = frozenset({"none"})
    skip_ops = frozenset({"skip_connect"})

    def canonical(self, arch: Any) -> tuple[tuple, tuple]:
        """Accept NASLib's compact ((input, op_idx) x 8, x 8), a DARTS Genotype (object, dict or string).

        Returns ((normal pairs), (reduce pairs)) with pairs ``(input_node, op_name)``.
        """
        if isinstance(arch, str):
            text = arch.strip()
            if re.match(r"^[A-Za-z_]*\s*\(\s*normal\s*=", text):
                arch = _parse_genotype_string(text)
            else:
                try:
                    arch = plain(ast.literal_eval(text))
                except (ValueError, SyntaxError):
                    raise ArchitectureError(f"cannot parse DARTS architecture {arch!r:.200}") from None
        if hasattr(arch, "normal") and hasattr(arch, "reduce"):
            arch = {"normal": arch.normal, "reduce": arch.reduce}
        if isinstance(arch, Mapping):
            try:
                return (_cell_from_pairs(arch["normal"], "normal"),
                        _cell_from_pairs(arch["reduce"], "reduce"))
            except KeyError as exc:
                raise ArchitectureError(f"DARTS genotype lacks {exc}") from None
        arch = plain(arch)
        if not isinstance(arch, tuple) or len(arch) != 2:
            raise ArchitectureError(f"DARTS compact encoding must be (normal, reduce), got {arch!r:.200}")
        return (_cell_from_pairs(arch[0], "normal"),
                _cell_from_pairs(arch[1], "reduce"))

    def graph(self, arch: tuple, representation: str = "prune") -> ArchGraph:
        """Both cells as op-on-node DAGs (each with its 2 inputs as input nodes), joined at one output node."""
        prune = representation == "prune"
        edge_ops = []
        offset = 0
        for cell in arch:
            for k, (src, op) in enumerate(cell):
                node = 2 + k // 2
                edge_ops.append((src + offset, node + offset, op))
            offset += 2 + NUM_INTERMEDIATE
        return edge_op_graph(
            2 * (2 + NUM_INTERMEDIATE), edge_ops, input_nodes=[0, 1, 6, 7], output_node=None, space=self.name,
            concat_nodes=[2, 3, 4, 5, 8, 9, 10, 11],
            none_ops=self.none_ops if prune else frozenset(),
            skip_ops=self.skip_ops if prune else frozenset(),
        )

    def compact(self, arch: Any) -> tuple:
        """NASLib's compact form ((input, op_idx) x 8, x 8); raises for ops outside COMPACT_OPS."""
        cells = self.canonical(arch)
        try:
            return tuple(tuple((src, OPS.index(op)) for src, op in cell) for cell in cells)
        except ValueError:
            raise ArchitectureError(f"{arch!r:.200} has an op outside NASLib's compact ops {OPS}") from None

    def genotype(self, arch: Any) -> Genotype:
        """The DARTS Genotype namedtuple."""
        normal, reduce = self.canonical(arch)
        return Genotype([(op, src) for src, op in normal], list(range(2, 6)),
                        [(op, src) for src, op in reduce], list(range(2, 6)))

    def format(self, arch: Any) -> str:
        """``Genotype(normal=[...], normal_concat=range(2, 6), reduce=[...], reduce_concat=range(2, 6))``."""
        g = self.genotype(arch)
        return (f"Genotype(normal={g.normal}, normal_concat=range(2, 6), "
                f"reduce={g.reduce}, reduce_concat=range(2, 6))")

    def random(self, rng: np.random.Generator) -> tuple:
        """A random valid compact cell pair: each intermediate node takes two distinct earlier inputs."""
        cells = []
        for _ in range(2):
            cell = []
            for node in range(2, 2 + NUM_INTERMEDIATE):
                srcs = rng.choice(node, size=2, replace=False)
                for s in sorted(int(x) for x in srcs):
                    cell.append((s, int(rng.integers(0, len(OPS)))))
            cells.append(tuple(cell))
        return self.canonical(tuple(cells))
