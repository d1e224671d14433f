"""``check_device``: is a torch device usable here (a low module: the API and the CLIs both check with it)."""

from __future__ import annotations

from .errors import TGNASError


class DeviceError(TGNASError, ValueError):
    """A device this torch cannot use (or not a device at all): one line naming the option and the way out."""


def check_device(name: str, option: str = "--device") -> str:
    """``name`` when this torch can use that device; else DeviceError in one line (the CLI prints it, exit 2).

    ``option`` names where the device came from: ``--device`` (the CLIs) or ``device=`` (the Python API)."""
    import torch

    cli = option.startswith("--")
    given, cpu = (f"{option} {name}", f"{option} cpu") if cli else (f"{option}{name!r}", f"{option}'cpu'")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        raise DeviceError(f"{option}{' ' if cli else ''}{name!r} is not a torch device ({reason})") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
            raise DeviceError(f"{given}: no CUDA device is available to this torch {torch.__version__} "
                             f"({build}); use {cpu}")
        if device.index is not None and device.index >= count:
            raise DeviceError(f"{given}: only {count} CUDA device(s) here (cuda:0 .. cuda:{count - 1})")
    if device.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise DeviceError(f"{given}: MPS is not available to this torch {torch.__version__}; use {cpu}")
    return name
