"""The fallback tracer, for modules torch.fx cannot trace: one eager run on the zero input with forward hooks on
the leaf modules and a ``TorchFunctionMode`` recording the functional ops in execution order; edges come from
tensor identity (each output tensor remembers its producing node). It sees only the branch taken for that input.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..graph import INPUT, OUTPUT
from ..network.raw import Raw
from .common import has_tensor, tensors
from .cost import layer_stat
from .text import OpInfo, TensorArg, function_info, function_name, module_info

_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList, nn.ParameterDict)


class HookRecorder(TorchFunctionMode):
    """Records leaf-module calls (hooks) and functional ops outside leaf modules, edges by tensor identity."""

    def __init__(self, model: nn.Module, batch: int = 1) -> None:
        super().__init__()
        self.raw = Raw()
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
            for t in tensors(v):
                out.extend(self.prod.get(id(t), ()))
        return list(dict.fromkeys(out))

    def assign(self, value: Any, nodes: list[int]) -> None:
        for t in tensors(value):
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
            if preds is None or not has_tensor(out):
                return None
            stat = layer_stat(mod, args, out, self.batch)
            if info.kind == "soft" and isinstance(out, torch.Tensor) and any(out is a for a in tensors(args)):
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
        if not has_tensor(out):
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


def hooks_raw(model: nn.Module, example: torch.Tensor) -> Raw:
    rec = HookRecorder(model, int(example.shape[0]) if example.dim() else 1)
    try:
        rec.assign(example, [rec.raw.add(OpInfo(INPUT, "input"), "x", stat=layer_stat(None, example, example, 1))])
        with rec:
            out = model(example)
        rec.raw.add(OpInfo(OUTPUT, "output"), "output", rec.producers(out))
    finally:
        rec.remove_hooks()
    return rec.raw
