"""Any ``torch.nn.Module`` as an architecture: trace it into an :class:`~tgnas_naslib.graph.ArchGraph`.

>>> from tgnas_naslib.modules import module_graph
>>> from tgnas_naslib.modules.zoo import resnet18
>>> g = module_graph(resnet18(), (1, 3, 32, 32))   # doctest: +SKIP

Nodes are the leaf modules (``torch.nn`` layers) and the functional ops that compute on tensors (add, cat,
mul, mean, relu, ...); the one tensor input becomes the ``input`` node, the returned tensors feed ``output``.
Shape and indexing plumbing (view, reshape, getitem, size, get_attr ...) is never a node: it is collapsed
into edges. Each node's operator name is a readable text built from the layer's class and hyper-parameters
(``Conv2d 3x3 stride 2, 64 to 128 channels``; see :mod:`tgnas_naslib.modules.text`), which the vocabulary
uses verbatim as the operator's description.

How (:mod:`.fx`, else :mod:`.hooks`; the collapse step is :func:`tgnas_naslib.network.fold.finish`):
``torch.fx.symbolic_trace``, then one run of the traced graph on a zero tensor of ``input_shape`` (it
tells tensors from non-tensors and checks ``input_shape``). When fx cannot trace the module (data-dependent
control flow such as ``if x.sum() > 0:``, unsupported Python), the module is run once, eagerly, on that zero
tensor with forward hooks on the leaf modules and a ``TorchFunctionMode`` recording the functional ops in
execution order; edges come from tensor identity (each output tensor remembers its producing node). That
fallback sees only the branch taken for a zero input. Weights, data and gradients are never touched; the
module's train/eval flags are restored afterwards.

``collapse=True`` (the default) keeps graphs of hundreds of layers meaningful:

* identity-like nodes (Identity, Dropout, Flatten, ``x + 0``) become plain edges;
* a multiplication by the constant 0 cuts its edges (no data flows: NAS-Bench-201's ``none`` op), and an add
  or cat left with a single input becomes an edge;
* normalisations and activations that directly follow a node (its only consumer) fold into its text:
  ``Conv2d 3x3 stride 1, 64 to 64 channels, batch norm, ReLU``, ``Add, ReLU``;
* a pre-activation (activation / norm whose only consumer is a conv or linear layer fed by nothing else)
  folds in front of it: ``ReLU, Conv2d 3x3 stride 1, 16 to 16 channels, batch norm``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Sequence

import torch
from torch import nn

from ..graph import INPUT, OUTPUT, ArchGraph, ArchitectureError
from ..network.fold import finish
from ..network.raw import Raw
from ..network.skeleton import Skeleton
from ..threads import torch_threads
from .common import reason
from .cost import layer_stat
from .fx import fx_raw, fx_trace
from .hooks import hooks_raw
from .text import OpInfo, module_info

#: the ``space`` recorded in graphs of traced modules
SPACE = "torch_module"
#: refuse zero inputs larger than this many elements (512 MB of float32): tracing needs one forward pass
MAX_INPUT_ELEMENTS = 2**27


@dataclass
class TracedModule:
    """A traced module: its graph, plus where each node came from.

    ``names[i]`` is the module path (or ``scope.function``) of graph node ``i``; ``method`` is ``"fx"`` or
    ``"hooks"`` (the fallback), with ``fallback_reason`` saying why fx was not used.
    """

    graph: ArchGraph
    names: tuple[str, ...]
    method: str
    module_class: str
    input_shape: tuple[int, ...]
    fallback_reason: str | None = None

    @property
    def skeleton(self) -> "Skeleton":
        """The network's blocks, from the nodes' module scopes (trace with ``representation="skeleton"``)."""
        from ..network.skeleton import skeleton

        return skeleton(self.graph, self.names)

    def describe_nodes(self) -> list[str]:
        """One line per node in topological order: index, op text, source, predecessors."""
        pred: dict[int, list[int]] = {i: [] for i in range(self.graph.num_nodes)}
        for a, b in self.graph.edges:
            pred[b].append(a)
        lines = []
        for i in range(self.graph.num_nodes):  # nodes are numbered in execution order
            src = f"  <- {', '.join(map(str, pred[i]))}" if pred[i] else ""
            lines.append(f"{i:4d}  {self.graph.ops[i]}  [{self.names[i]}]{src}")
        return lines


# the entry points -----------------------------------------------------------------------------------------------------
def check_shape(input_shape: Any) -> tuple[int, ...]:
    bad = ArchitectureError(
        f"input_shape must be a non-empty tuple of positive integers such as (1, 3, 32, 32), got {input_shape!r}"
    )
    if isinstance(input_shape, (str, bytes)) or not hasattr(input_shape, "__iter__"):
        raise bad
    try:
        shape = tuple(operator.index(s) for s in input_shape)
    except TypeError:
        raise bad from None
    if not shape or any(s <= 0 for s in shape):
        raise bad
    numel = 1
    for s in shape:
        numel *= s
    if numel > MAX_INPUT_ELEMENTS:
        raise ArchitectureError(
            f"input_shape {shape} has {numel:,} elements; tracing runs the module once on a zero tensor of that "
            f"shape, so keep it under {MAX_INPUT_ELEMENTS:,} (a batch of 1 and a small image is enough)"
        )
    return shape


def trace_module(model: nn.Module, input_shape: Sequence[int], collapse: bool = True,
                 representation: str = "network") -> TracedModule:
    """Trace ``model`` on a zero tensor of ``input_shape`` into a graph (see the module docstring); ``skeleton``: the
    whole-network graph with every repeat kept, whose node names give the blocks (:attr:`TracedModule.skeleton`).

    Raises :class:`~tgnas_naslib.graph.ArchitectureError` naming the module class and the reason when the
    module can neither be traced nor run, or ``input_shape`` is unusable.
    """
    if not isinstance(model, nn.Module):
        raise ArchitectureError(f"expected a torch.nn.Module, got {type(model).__name__}")
    shape = check_shape(input_shape)
    cls = type(model).__name__
    rep, repeats = ("network", False) if representation == "skeleton" else (representation, True)
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    example = torch.zeros(shape, device=device)
    training = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with torch_threads(1), torch.no_grad():  # one tiny forward pass: extra threads only contend
            bare = torch.fx.Tracer().is_leaf_module(model, "") and next(model.children(), None) is None
            if bare:  # a bare layer (nn.Conv2d(...)): input -> layer -> output
                try:
                    model(example)
                except Exception as exc:  # noqa: BLE001 - reported as one clear line
                    raise ArchitectureError(
                        f"{cls} does not run on a zero tensor of input_shape {shape}: {reason(exc)}"
                    ) from None
                raw = Raw()
                raw.add(OpInfo(INPUT, "input"), "x", stat=layer_stat(None, example, example, 1))
                raw.add(module_info(model), cls, [0], layer_stat(model, example, model(example), shape[0]))
                raw.add(OpInfo(OUTPUT, "output"), "output", [1])
                graph, names = finish(raw, SPACE, collapse, rep, repeats)
                return TracedModule(graph, names, "fx", cls, shape)
            fx_reason: str | None = None
            try:
                gm = fx_trace(model)
            except Exception as exc:  # noqa: BLE001 - any tracing failure means: use the hooks
                fx_reason = f"torch.fx could not trace it ({reason(exc)})"
            else:
                try:
                    raw = fx_raw(gm, example)
                except Exception as exc:  # noqa: BLE001
                    fx_reason = f"its torch.fx graph failed on the zero input ({reason(exc)})"
            if fx_reason is None:
                graph, names = finish(raw, SPACE, collapse, rep, repeats)
                return TracedModule(graph, names, "fx", cls, shape)
            try:
                raw = hooks_raw(model, example)
            except Exception as exc:  # noqa: BLE001
                raise ArchitectureError(
                    f"cannot turn {cls} into a graph: {fx_reason}, and running it on a zero tensor of "
                    f"input_shape {shape} failed ({reason(exc)})"
                ) from None
            graph, names = finish(raw, SPACE, collapse, rep, repeats)
            return TracedModule(graph, names, "hooks", cls, shape, fallback_reason=fx_reason)
    finally:
        for m, flag in training:
            m.training = flag


def module_graph(model: nn.Module, input_shape: tuple[int, ...], collapse: bool = True,
                 representation: str = "network") -> "ArchGraph | Skeleton":
    """The architecture graph of any ``torch.nn.Module`` (see :func:`trace_module` and the module docstring); its
    :class:`~tgnas_naslib.network.skeleton.Skeleton` for ``representation="skeleton"``."""
    traced = trace_module(model, input_shape, collapse, representation)
    return traced.skeleton if representation == "skeleton" else traced.graph
