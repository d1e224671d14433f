"""The raw layer graph: one node per executed layer or functional op, before folding (see :mod:`.fold`).

Both the module tracer and :class:`~tgnas_naslib.network.builder.NetworkBuilder` produce a :class:`Raw`; nodes are in
execution order, so every predecessor index is smaller than its node's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

from ..shapes import Cost


class OpInfo(NamedTuple):
    """What a layer call becomes: legacy node text, collapse kind, legacy folded text, and its canonical part.

    ``text`` / ``fold`` name nodes in the legacy (``prune``) graphs of traced modules (channels included);
    ``part`` is the canonical text of the ``network`` representation (:mod:`.parts`). Kinds:

    ``conv`` / ``linear``  weight layers (norms and activations fold into them)
    ``norm`` / ``act``     foldable into the layer before (or, for pre-activation, after) them
    ``merge``              add / cat / stack of two or more tensors
    ``soft``               identity-like (Identity, Dropout, Flatten, ``x + 0``): always an edge after folding
    ``plumb``              view / reshape / getitem / size ...: never a node, always an edge
    ``zero``               multiplication by the constant 0: no data flows (NAS-Bench-201's ``none``)
    ``const``              creates a tensor that does not depend on its inputs' values (``zeros_like``)
    ``op``                 anything else
    """

    text: str
    kind: str
    fold: str = ""
    part: str = ""

    @property
    def canonical(self) -> str:
        """The part text (the legacy text where none was given)."""
        return self.part or self.text


class LayerStat(NamedTuple):
    """One executed layer: channels, spatial size (square root of H*W), stride, kernel, groups and its cost."""

    c_in: int
    c_out: int
    h_in: float
    stride: int
    kernel: int
    groups: int
    cost: Cost
    module_id: int | None = None  # parameters of one module object are counted once, however often it runs


@dataclass
class Raw:
    """Nodes in execution order (so every predecessor index is smaller): op info, source name, predecessors."""

    infos: list[OpInfo] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    preds: list[list[int]] = field(default_factory=list)
    stats: list[LayerStat | None] = field(default_factory=list)
    #: cost of executed layers that are not nodes (e.g. a dead branch): still part of the network's cost
    extra: list[LayerStat] = field(default_factory=list)

    def add(self, info: OpInfo, name: str, preds: Sequence[int] = (), stat: LayerStat | None = None) -> int:
        """Append a node; returns its index."""
        self.infos.append(info)
        self.names.append(name)
        self.preds.append(list(dict.fromkeys(preds)))
        self.stats.append(stat)
        return len(self.infos) - 1


def network_cost(stats: Sequence[LayerStat | None]) -> Cost:
    """Whole-network cost of every executed node: FLOPs of every call, parameters once per module."""
    flops = params = 0.0
    seen: set[int] = set()
    for st in stats:
        if st is None:
            continue
        flops += st.cost.flops
        if st.module_id is None or st.module_id not in seen:
            params += st.cost.params
            if st.module_id is not None:
                seen.add(st.module_id)
    return Cost(flops, params)
