"""Folding a raw layer graph into graph nodes (shared by the module tracer and the space adapters).

* a multiplication by the constant 0 cuts its edges (no data flows: NAS-Bench-201's ``none``);
* identity-like nodes (Identity, Dropout, Flatten, ``x + 0``) become plain edges, and an add or cat left with a
  single input becomes an edge; in the ``network`` representation a chain of binary adds feeding only each other
  is one addition (``a + b + c`` and ``sum([a, b, c])`` give the same node);
* normalisations and activations that directly follow a node (its only consumer) fold into it:
  ``3x3 convolution, batch normalization, ReLU``, ``addition, ReLU``;
* a pre-activation (activation / norm whose only consumer is a conv or linear layer fed by nothing else) folds in
  front of it: ``ReLU, 3x3 convolution, batch normalization``;
* nodes on no input->output path are pruned (their cost stays in the network's cost).

In the ``network`` representation node names are the folded layers' canonical parts and consecutive repeated
blocks are then collapsed (:mod:`.repeat`); the legacy ``prune`` representation of traced modules names nodes with
the layers' full texts (channels included) and collapses no repeats.
"""

from __future__ import annotations

from ..graph import ArchGraph, ArchitectureError
from ..shapes import NodeShape
from . import parts
from .raw import Raw, network_cost
from .repeat import collapse_repeats

_FOLDABLE = ("norm", "act")
_WEIGHTED = ("conv", "linear")
#: representations a raw graph can be finished into
REPRESENTATIONS = ("network", "prune")


def finish(raw: Raw, space: str, collapse: bool = True, representation: str = "network", repeats: bool = True
           ) -> tuple[ArchGraph, tuple[str, ...]]:
    """Fold, prune (and in the ``network`` representation collapse repeats of) a raw graph; returns the graph and,
    per node, the name of the raw node it came from (the first folded one; repeats: the first copy's).
    ``repeats=False``: fold and prune, but keep every copy of a repeated block (the skeleton finds blocks itself)."""
    if representation not in REPRESENTATIONS:
        raise ValueError(f"unknown representation {representation!r}; choose from {REPRESENTATIONS}")
    n = len(raw.infos)
    kinds = [i.kind for i in raw.infos]
    groups: list[list[int]] = [[v] for v in range(n)]  # the raw nodes a node stands for (after folding)
    pred = [set(p) for p in raw.preds]
    succ: list[set[int]] = [set() for _ in range(n)]
    for v in range(n):
        for u in pred[v]:
            succ[u].add(v)
    alive = [True] * n

    def remove(v: int) -> None:
        alive[v] = False
        for u in pred[v]:
            succ[u].discard(v)
        for w in succ[v]:
            pred[w].discard(v)
        pred[v], succ[v] = set(), set()

    def bypass(v: int) -> None:
        ps, ss = pred[v], succ[v]
        remove(v)
        for u in ps:
            for w in ss:
                succ[u].add(w)
                pred[w].add(u)

    def prefix_target(v: int) -> int | None:
        if len(succ[v]) != 1:
            return None
        (w,) = succ[v]
        return w if kinds[w] in _WEIGHTED and len(pred[w]) == 1 else None

    if collapse:
        for v in range(n):  # multiplication by zero: no data flows
            if kinds[v] == "zero":
                remove(v)
        for v in range(n):  # identity-like nodes, and adds / cats left with one input, become edges
            if alive[v] and (kinds[v] == "soft" or (kinds[v] == "merge" and len(pred[v]) < 2)):
                bypass(v)
        if representation == "network":  # a sum written as a chain of binary adds is one addition
            for v in range(n):
                if not alive[v] or kinds[v] != "merge" or raw.infos[v].canonical != parts.ADD or len(succ[v]) != 1:
                    continue
                (w,) = succ[v]
                if kinds[w] == "merge" and raw.infos[w].canonical == parts.ADD:
                    ps = pred[v]
                    remove(v)
                    for u in ps:
                        succ[u].add(w)
                        pred[w].add(u)
        for v in range(n):  # norm / activation after a node that feeds only it: fold into that node
            if not alive[v] or kinds[v] not in _FOLDABLE or len(pred[v]) != 1:
                continue
            (u,) = pred[v]
            if kinds[u] in ("input", "output") or len(succ[u]) != 1:
                continue
            if kinds[u] not in _WEIGHTED + _FOLDABLE and prefix_target(v) is not None:
                continue  # Add -> ReLU -> Conv: the ReLU belongs to the conv (pre-activation), folded below
            groups[u] += groups[v]
            ss = succ[v]
            remove(v)
            for w in ss:
                succ[u].add(w)
                pred[w].add(u)
        for v in range(n):  # pre-activation: norm / activation feeding only a conv / linear fed only by it
            if not alive[v] or not all(kinds[p] in _FOLDABLE for p in groups[v]):
                continue
            w = prefix_target(v)
            if w is None:
                continue
            groups[w] = groups[v] + groups[w]
            ps = pred[v]
            remove(v)
            for u in ps:
                succ[u].add(w)
                pred[w].add(u)

    if representation == "network":
        def text(ps: list[int]) -> str:
            return parts.join([raw.infos[p].canonical for p in ps])
    else:
        def text(ps: list[int]) -> str:
            infos = [raw.infos[p] for p in ps]
            return ", ".join([infos[0].text] + [p.fold or p.text for p in infos[1:]])

    inputs = [v for v in range(n) if kinds[v] == "input" and alive[v]]
    out = next(v for v in range(n) if kinds[v] == "output")
    fwd, back = set(inputs), {out}
    for v in range(n):  # execution order is topological
        if v in fwd:
            fwd.update(succ[v])
    for v in reversed(range(n)):
        if v in back:
            back.update(pred[v])
    keep = [v for v in range(n) if alive[v] and v in fwd and v in back]
    cost = network_cost(raw.stats + raw.extra)
    kind = "network" if representation == "network" else "cell"
    if out not in keep:
        return (ArchGraph.disconnected(space, cost=cost, kind=kind),
                (raw.names[inputs[0]] if inputs else "x", "output"))
    index = {v: i for i, v in enumerate(keep)}
    ops = tuple(text(groups[v]) for v in keep)
    if any(not op.strip() for op in ops):
        raise ArchitectureError(f"an operator name is empty in {list(ops)}")
    edges = tuple(sorted({(index[u], index[v]) for v in keep for u in pred[v] if u in index}))
    shapes = tuple(node_shape(raw, groups[v], pred[v]) for v in keep)
    names = tuple(raw.names[v] for v in keep)
    # what ArchGraph.build would return, without its second pass: every kept node lies on an input->output path
    # (fwd & back above), edges run forward in execution order (no cycle), inputs have no predecessors and the
    # output no successors
    graph = ArchGraph._trusted(ops, edges, space, shapes, cost, kind=kind)
    if representation == "network" and collapse and repeats:
        return collapse_repeats(graph, names)
    return graph, names


def node_shape(raw: Raw, group: list[int], preds: set[int]) -> NodeShape:
    """A node's shape: input geometry of its first layer, output channels of its last, stride / kernel / groups of
    its weighted layer, and the summed cost of every layer folded into it."""
    all_stats, infos = raw.stats, raw.infos
    first = last = main = None
    flops = params = 0  # summed in group order from int 0, exactly as sum() did
    for p in group:
        st = all_stats[p]
        if st is None:
            continue
        if first is None:
            first = st
        last = st
        if main is None and infos[p].kind in _WEIGHTED:
            main = st
        flops += st.cost.flops
        params += st.cost.params
    if first is None:  # the output node: what arrives there
        s = next((all_stats[p] for p in sorted(preds) if all_stats[p] is not None), None)
        if s is None:
            return NodeShape(1.0, 1.0, 1.0)
        return NodeShape(float(s.c_out), float(s.c_out), 1.0)
    main = main or first
    return NodeShape(float(first.c_in), float(last.c_out), round(first.h_in, 4), main.stride, main.kernel,
                     float(main.groups), flops, params, 1)
