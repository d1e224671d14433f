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

How: ``torch.fx.symbolic_trace``, then one run of the traced graph on a zero tensor of ``input_shape`` (it
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
from typing import Any, Callable, Iterator, Sequence

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..graph import INPUT, OUTPUT, ArchGraph, ArchitectureError
from ..network.fold import finish
from ..network.raw import LayerStat, Raw
from ..threads import torch_threads
from .cost import layer_stat
from .text import OpInfo, OtherArg, TensorArg, function_info, function_name, module_info

#: the ``space`` recorded in graphs of traced modules
SPACE = "torch_module"
#: refuse zero inputs larger than this many elements (512 MB of float32): tracing needs one forward pass
MAX_INPUT_ELEMENTS = 2**27

_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList, nn.ParameterDict)


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


# the raw graph (see tgnas_naslib.network.raw) ----------------------------------------------------------------------
_Raw = Raw


def _tensors(v: Any) -> Iterator[torch.Tensor]:
    if isinstance(v, torch.Tensor):
        yield v
    elif isinstance(v, (list, tuple)):
        for x in v:
            yield from _tensors(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from _tensors(x)


def _has_tensor(v: Any) -> bool:
    return next(_tensors(v), None) is not None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else ""
    out = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return out if len(out) <= 300 else out[:297] + "..."


# torch.fx -------------------------------------------------------------------------------------------------------------
def _fx_trace(model: nn.Module) -> torch.fx.GraphModule:
    return torch.fx.symbolic_trace(model)


def _fx_raw(gm: torch.fx.GraphModule, example: torch.Tensor) -> _Raw:
    """Run the traced graph once (which values are tensors, their ranks, each layer's shapes and cost), then build
    the raw graph."""
    seen: dict[torch.fx.Node, tuple[bool, int | None]] = {}
    stats: dict[torch.fx.Node, LayerStat] = {}
    batch = int(example.shape[0]) if example.dim() else 1

    class _Probe(torch.fx.Interpreter):
        def run_node(self, n: torch.fx.Node) -> Any:
            out = super().run_node(n)
            seen[n] = (_has_tensor(out), out.dim() if isinstance(out, torch.Tensor) else None)
            if n.op in ("call_module", "call_function", "call_method", "placeholder") and seen[n][0]:
                args = out if n.op == "placeholder" else self.map_nodes_to_values(n.args, n)
                module = gm.get_submodule(n.target) if n.op == "call_module" else None
                stats[n] = layer_stat(module, args, out, batch)
            return out

    _Probe(gm).run(example)

    def marker(a: torch.fx.Node) -> Any:
        is_tensor, rank = seen.get(a, (False, None))
        return TensorArg(rank) if is_tensor else OtherArg()

    raw = _Raw()
    prod: dict[torch.fx.Node, list[int]] = {}

    def producers(*values: Any) -> list[int]:
        out: list[int] = []
        for v in values:
            torch.fx.node.map_arg(v, lambda a: out.extend(prod.get(a, ())))
        return list(dict.fromkeys(out))

    for n in gm.graph.nodes:
        is_tensor = seen.get(n, (False, None))[0]
        if n.op == "placeholder":
            prod[n] = [raw.add(OpInfo(INPUT, "input"), n.name, stat=stats.get(n))] if is_tensor else []
        elif n.op == "get_attr" or not is_tensor and n.op != "output":
            prod[n] = []  # parameters / buffers, and non-tensor values (sizes, shapes): no data flow
        elif n.op == "output":
            raw.add(OpInfo(OUTPUT, "output"), "output", producers(n.args, n.kwargs))
        else:
            preds = producers(n.args, n.kwargs)
            if n.op == "call_module":
                info, name = module_info(gm.get_submodule(n.target)), str(n.target)
            else:
                args = torch.fx.node.map_arg(n.args, marker)
                kwargs = torch.fx.node.map_arg(n.kwargs, marker)
                info = function_info(n.target, args, kwargs)
                stack = n.meta.get("nn_module_stack") or {}
                scope = list(stack.values())[-1][0] if stack else ""
                name = f"{scope}.{function_name(n.target)}" if scope else function_name(n.target)
            if info.kind == "plumb":
                prod[n] = preds
            elif info.kind == "const":
                prod[n] = []
            else:
                prod[n] = [raw.add(info, name, preds, stats.get(n))]
            if info.kind in ("plumb", "const") and n in stats:
                raw.extra.append(stats[n])
    return raw


# forward hooks + TorchFunctionMode ------------------------------------------------------------------------------------
class _HookRecorder(TorchFunctionMode):
    """Records leaf-module calls (hooks) and functional ops outside leaf modules, edges by tensor identity."""

    def __init__(self, model: nn.Module, batch: int = 1) -> None:
        super().__init__()
        self.raw = _Raw()
        self.batch = batch
        self.prod: dict[int, list[int]] = {}
        self._alive: list[torch.Tensor] = []  # keeps every seen tensor alive, so ids are never reused
        self._leaf_depth = 0
        self._pending: list[list[int] | None] = []
        self._scope: list[str] = []
        self._handles: list[Any] = []
        tracer = torch.fx.Tracer()
        leaf_prefixes: list[str] = []
        for name, m in model.named_modules():
            if not name or any(name.startswith(p + ".") for p in leaf_prefixes):
                continue  # the root, and modules inside a leaf (run by the leaf itself)
            if tracer.is_leaf_module(m, name) and not isinstance(m, _CONTAINERS):
                leaf_prefixes.append(name)
                self._handles.append(m.register_forward_pre_hook(self._leaf_pre(), with_kwargs=True))
                self._handles.append(m.register_forward_hook(self._leaf_post(name, m)))
            else:
                self._handles.append(m.register_forward_pre_hook(self._scope_pre(name)))
                self._handles.append(m.register_forward_hook(self._scope_post()))

    def remove_hooks(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def producers(self, *values: Any) -> list[int]:
        out: list[int] = []
        for v in values:
            for t in _tensors(v):
                out.extend(self.prod.get(id(t), ()))
        return list(dict.fromkeys(out))

    def assign(self, value: Any, nodes: list[int]) -> None:
        for t in _tensors(value):
            self.prod[id(t)] = nodes
            self._alive.append(t)

    def _scope_pre(self, name: str) -> Callable:
        def hook(module: nn.Module, args: Any) -> None:
            if self._leaf_depth == 0:
                self._scope.append(name)
        return hook

    def _scope_post(self) -> Callable:
        def hook(module: nn.Module, args: Any, out: Any) -> None:
            if self._leaf_depth == 0 and self._scope:
                self._scope.pop()
        return hook

    def _leaf_pre(self) -> Callable:
        def hook(module: nn.Module, args: Any, kwargs: Any) -> None:
            self._pending.append(self.producers(args, kwargs) if self._leaf_depth == 0 else None)
            self._leaf_depth += 1
        return hook

    def _leaf_post(self, name: str, module: nn.Module) -> Callable:
        info = module_info(module)

        def hook(mod: nn.Module, args: Any, out: Any) -> Any:
            self._leaf_depth -= 1
            preds = self._pending.pop()
            if preds is None or not _has_tensor(out):
                return None
            stat = layer_stat(mod, args, out, self.batch)
            if info.kind == "soft" and isinstance(out, torch.Tensor) and any(out is a for a in _tensors(args)):
                # Identity / eval Dropout hand back their input object: give later readers of the input
                # their own handle, so only readers of the output depend on this node (not for in-place ops,
                # e.g. ReLU(inplace=True), whose readers do see the modified tensor)
                out = out.view_as(out)
            self.assign(out, [self.raw.add(info, name, preds, stat)])
            return out
        return hook

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self._leaf_depth == 0:
            self._record(func, args, kwargs, out)
        return out

    def _record(self, func: Any, args: tuple, kwargs: dict, out: Any) -> None:
        name = function_name(func)
        if name == "setitem" and len(args) >= 3:  # x[...] = y: y's data now flows on with x
            target = args[0]
            if isinstance(target, torch.Tensor):
                self.prod[id(target)] = list(dict.fromkeys(self.prod.get(id(target), []) + self.producers(args[2])))
            return
        if not _has_tensor(out):
            return

        def mark(v: Any) -> Any:
            if isinstance(v, torch.Tensor):
                return TensorArg(v.dim())
            if isinstance(v, (list, tuple)):
                return [mark(x) for x in v] if isinstance(v, list) else tuple(mark(x) for x in v)
            if isinstance(v, dict):
                return {k: mark(x) for k, x in v.items()}
            return v

        info = function_info(func, mark(args), mark(kwargs))
        preds = self.producers(args, kwargs)
        if info.kind == "plumb":
            self.assign(out, preds)
        elif info.kind == "const":
            self.assign(out, [])
        else:
            scope = self._scope[-1] if self._scope else ""
            stat = layer_stat(None, args, out, self.batch)
            self.assign(out, [self.raw.add(info, f"{scope}.{name}" if scope else name, preds, stat)])


def _hooks_raw(model: nn.Module, example: torch.Tensor) -> _Raw:
    rec = _HookRecorder(model, int(example.shape[0]) if example.dim() else 1)
    try:
        rec.assign(example, [rec.raw.add(OpInfo(INPUT, "input"), "x", stat=layer_stat(None, example, example, 1))])
        with rec:
            out = model(example)
        rec.raw.add(OpInfo(OUTPUT, "output"), "output", rec.producers(out))
    finally:
        rec.remove_hooks()
    return rec.raw


# the entry points -----------------------------------------------------------------------------------------------------
def _check_shape(input_shape: Any) -> tuple[int, ...]:
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
    """Trace ``model`` on a zero tensor of ``input_shape`` into a graph (see the module docstring).

    Raises :class:`~tgnas_naslib.graph.ArchitectureError` naming the module class and the reason when the
    module can neither be traced nor run, or ``input_shape`` is unusable.
    """
    if not isinstance(model, nn.Module):
        raise ArchitectureError(f"expected a torch.nn.Module, got {type(model).__name__}")
    shape = _check_shape(input_shape)
    cls = type(model).__name__
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
                        f"{cls} does not run on a zero tensor of input_shape {shape}: {_reason(exc)}"
                    ) from None
                raw = _Raw()
                raw.add(OpInfo(INPUT, "input"), "x", stat=layer_stat(None, example, example, 1))
                raw.add(module_info(model), cls, [0], layer_stat(model, example, model(example), shape[0]))
                raw.add(OpInfo(OUTPUT, "output"), "output", [1])
                graph, names = finish(raw, SPACE, collapse, representation)
                return TracedModule(graph, names, "fx", cls, shape)
            fx_reason: str | None = None
            try:
                gm = _fx_trace(model)
            except Exception as exc:  # noqa: BLE001 - any tracing failure means: use the hooks
                fx_reason = f"torch.fx could not trace it ({_reason(exc)})"
            else:
                try:
                    raw = _fx_raw(gm, example)
                except Exception as exc:  # noqa: BLE001
                    fx_reason = f"its torch.fx graph failed on the zero input ({_reason(exc)})"
            if fx_reason is None:
                graph, names = finish(raw, SPACE, collapse, representation)
                return TracedModule(graph, names, "fx", cls, shape)
            try:
                raw = _hooks_raw(model, example)
            except Exception as exc:  # noqa: BLE001
                raise ArchitectureError(
                    f"cannot turn {cls} into a graph: {fx_reason}, and running it on a zero tensor of "
                    f"input_shape {shape} failed ({_reason(exc)})"
                ) from None
            graph, names = finish(raw, SPACE, collapse, representation)
            return TracedModule(graph, names, "hooks", cls, shape, fallback_reason=fx_reason)
    finally:
        for m, flag in training:
            m.training = flag


def module_graph(model: nn.Module, input_shape: tuple[int, ...], collapse: bool = True,
                 representation: str = "network") -> ArchGraph:
    """The architecture graph of any ``torch.nn.Module`` (see :func:`trace_module` and the module docstring)."""
    return trace_module(model, input_shape, collapse, representation).graph


def load_module(spec: str) -> nn.Module:
    """Import ``pkg.mod:attr`` (``attr`` may be dotted) and return a module: an instance is used as it is, a class
    or a factory is called without arguments. Raises ValueError naming what went wrong."""
    import importlib

    mod_name, sep, attr = spec.partition(":")
    if not sep or not mod_name.strip() or not attr.strip():
        raise ValueError(
            f"--module wants 'package.module:attribute' (e.g. tgnas_naslib.modules.zoo:resnet18), got {spec!r}"
        )
    try:
        obj: Any = importlib.import_module(mod_name.strip())
    except Exception as exc:  # noqa: BLE001 - an import error of user code is reported as one line
        raise ValueError(f"cannot import {mod_name!r} for --module {spec}: {_reason(exc)}") from None
    for part in attr.strip().split("."):
        if not hasattr(obj, part):
            raise ValueError(f"{mod_name} has no attribute {attr!r} (--module {spec})")
        obj = getattr(obj, part)
    if isinstance(obj, nn.Module):
        return obj
    if not callable(obj):
        raise ValueError(f"--module {spec} is a {type(obj).__name__}, not a torch.nn.Module, class or factory")
    try:
        made = obj()
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"--module {spec}: calling {attr}() without arguments failed ({_reason(exc)})") from None
    if not isinstance(made, nn.Module):
        raise ValueError(f"--module {spec}: {attr}() returned a {type(made).__name__}, not a torch.nn.Module")
    return made


def parse_shape(text: str) -> tuple[int, ...]:
    """``"1,3,32,32"`` (or ``1x3x32x32``) -> (1, 3, 32, 32); raises ValueError for anything else."""
    import re

    parts = [p.strip() for p in re.split(r"[,x]", text.strip())]
    shape = tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else ()
    if not shape or any(s <= 0 for s in shape):
        raise ValueError(f"--input-shape wants comma-separated positive integers such as 1,3,32,32, got {text!r}")
    return shape
