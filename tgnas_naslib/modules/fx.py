"""The torch.fx tracer: ``torch.fx.symbolic_trace``, then one run of the traced graph on the zero input (which
values are tensors, their ranks, each layer's shapes and cost) into the raw graph (:mod:`tgnas_naslib.network.raw`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..graph import INPUT, OUTPUT
from ..network.raw import LayerStat, Raw
from .common import has_tensor
from .cost import layer_stat
from .text import OpInfo, OtherArg, TensorArg, function_info, function_name, module_info


def fx_trace(model: nn.Module) -> torch.fx.GraphModule:
    return torch.fx.symbolic_trace(model)


def fx_raw(gm: torch.fx.GraphModule, example: torch.Tensor) -> Raw:
    """Run the traced graph once (which values are tensors, their ranks, each layer's shapes and cost), then build
    the raw graph."""
    seen: dict[torch.fx.Node, tuple[bool, int | None]] = {}
    stats: dict[torch.fx.Node, LayerStat] = {}
    batch = int(example.shape[0]) if example.dim() else 1

    class _Probe(torch.fx.Interpreter):
        def run_node(self, n: torch.fx.Node) -> Any:
            out = super().run_node(n)
            seen[n] = (has_tensor(out), out.dim() if isinstance(out, torch.Tensor) else None)
            if n.op in ("call_module", "call_function", "call_method", "placeholder") and seen[n][0]:
                args = out if n.op == "placeholder" else self.map_nodes_to_values(n.args, n)
                module = gm.get_submodule(n.target) if n.op == "call_module" else None
                stats[n] = layer_stat(module, args, out, batch)
            return out

    _Probe(gm).run(example)

    def marker(a: torch.fx.Node) -> Any:
        is_tensor, rank = seen.get(a, (False, None))
        return TensorArg(rank) if is_tensor else OtherArg()

    raw = Raw()
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
