"""NASLib search-space graphs -> the core's architectures (``space``, ``encoding``) and ArchGraphs.

This module never imports NASLib: it duck-types the graph (``get_type()`` plus ``get_hash()`` /
``get_spec()`` / ``get_compact()``), so it works on parsed graphs, un-parsed clones
(``instantiate_model = False``) and test doubles alike. numpy scalars in NASLib's hashes (numpy >= 2)
become plain ints.

========================  ====================================  ========================================
``get_type()``            encoding read                          core adapter input
========================  ====================================  ========================================
nasbench201               ``get_hash()`` (6 op indices)          NB201 6-tuple (NASLib op order)
nasbench101               ``get_spec()`` {matrix, ops}, else     spec dict / 56-tuple
                          ``get_hash()`` (56-tuple)
nasbench301               ``get_compact()``, else ``get_hash()``  ((input, op) x 8, x 8)
transbench101_micro       ``get_hash()`` (6 TNB codes)           6 TNB codes
transbench101_macro       ``get_hash()`` (4-6 codes, 0-padded)   4-6 codes (padding stripped)
========================  ====================================  ========================================
"""

from __future__ import annotations

from typing import Any, Sequence

from tgnas_naslib.convert import plain
from tgnas_naslib.graph import ArchGraph, ArchitectureError
from tgnas_naslib.spaces import NASLIB, get_space, supporting, to_graph
from tgnas_naslib.spaces.base import DEFAULT_REPRESENTATION

__all__ = ["SUPPORTED_SPACES", "space_of", "encoding_of", "arch_of", "to_arch_graph", "arch_graphs"]

#: NASLib ``get_type()`` names this integration understands
SUPPORTED_SPACES: tuple[str, ...] = supporting(NASLIB)


def space_of(graph: Any) -> str:
    """The NASLib search-space name of a graph (``graph.get_type()``), checked against :data:`SUPPORTED_SPACES`."""
    get_type = getattr(graph, "get_type", None)
    if get_type is None:
        raise ArchitectureError(f"{type(graph).__name__} is not a NASLib search-space graph (no get_type())")
    name = str(get_type())
    if name not in SUPPORTED_SPACES:
        raise ArchitectureError(f"NASLib search space {name!r} is not supported by TG-NAS; "
                                f"supported: {', '.join(SUPPORTED_SPACES)}")
    return name


def _call(graph: Any, method: str) -> Any:
    fn = getattr(graph, method, None)
    if fn is None:
        return None
    try:
        return fn()
    except (AttributeError, ValueError, AssertionError, TypeError):  # e.g. TNB macro "op_indices not set"
        return None


def encoding_of(graph: Any, space: str | None = None) -> Any:
    """The architecture encoding of a NASLib graph, as plain Python values (see the module table)."""
    space = space or space_of(graph)
    enc = None
    if space == "nasbench101":
        spec = _call(graph, "get_spec")
        if spec is not None:
            if isinstance(spec, dict):
                enc = {"matrix": plain(spec["matrix"]), "ops": tuple(str(o) for o in spec["ops"])}
            else:
                enc = plain(spec)
    elif space == "nasbench301":
        enc = _call(graph, "get_compact")
    if enc is None:
        enc = _call(graph, "get_hash")
    if enc is None:
        raise ArchitectureError(f"the {space} graph has no architecture set (get_hash() gave nothing): call "
                                "set_spec() or sample_random_architecture() first")
    return enc if isinstance(enc, dict) else plain(enc)


def arch_of(graph: Any) -> tuple[str, Any]:
    """``(space, canonical encoding)`` of a NASLib graph; the encoding is the core adapter's canonical form."""
    space = space_of(graph)
    return space, get_space(space).canonical(encoding_of(graph, space))


def to_arch_graph(graph: Any, representation: str = DEFAULT_REPRESENTATION) -> ArchGraph:
    """The core's :class:`~tgnas_naslib.graph.ArchGraph` of a NASLib graph (memoised by the core)."""
    if isinstance(graph, ArchGraph):
        return graph
    space = space_of(graph)
    return to_graph(encoding_of(graph, space), space, representation)


def arch_graphs(graphs: Sequence[Any], representation: str = DEFAULT_REPRESENTATION) -> list[ArchGraph]:
    """:func:`to_arch_graph` of each graph."""
    return [to_arch_graph(g, representation) for g in graphs]
