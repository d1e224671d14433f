"""What ``tgnas score --module`` needs besides tracing: the module named on the command line, the input shape."""

from __future__ import annotations

from typing import Any

from torch import nn

from .common import reason


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
        raise ValueError(f"cannot import {mod_name!r} for --module {spec}: {reason(exc)}") from None
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
        raise ValueError(f"--module {spec}: calling {attr}() without arguments failed ({reason(exc)})") from None
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
