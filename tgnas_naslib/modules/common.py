"""What the module tracers share: walking the tensors of nested values, and an exception as one short line."""

from __future__ import annotations

from typing import Any, Iterator

import torch


def tensors(v: Any) -> Iterator[torch.Tensor]:
    if isinstance(v, torch.Tensor):
        yield v
    elif isinstance(v, (list, tuple)):
        for x in v:
            yield from tensors(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from tensors(x)


def has_tensor(v: Any) -> bool:
    return next(tensors(v), None) is not None


def reason(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else ""
    out = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return out if len(out) <= 300 else out[:297] + "..."
