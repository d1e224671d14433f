"""Sub-commands of the ``tgnas`` CLI (one module each, registered in ``tgnas_naslib.cli.COMMANDS``)."""

from __future__ import annotations

import argparse


def add_data_dir(p: argparse.ArgumentParser, purpose: str = "") -> None:
    """The shared ``--data-dir`` option (the benchmark data directory; see :mod:`tgnas_naslib.paths`)."""
    p.add_argument("--data-dir", default=None,
                   help=f"benchmark data directory{purpose} (default: $TGNAS_DATA_DIR, else ./benchmarks_data)")


def int_at_least(minimum: int, zero_means: str | None = None):
    """An argparse ``type``: an integer >= ``minimum`` (or 0 where ``zero_means`` says what 0 does); anything
    else is refused in argparse's one line, never silently changed."""
    def integer(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum and not (zero_means and value == 0):
            raise argparse.ArgumentTypeError(f"{value} is not an integer >= {minimum}"
                                             + (f" (or 0: {zero_means})" if zero_means else ""))
        return value

    return integer


def add_device(p: argparse.ArgumentParser, what: str = "TG-NAS") -> None:
    """The shared ``--device`` option, checked by :func:`check_device` before anything is loaded."""
    p.add_argument("--device", default="cpu", help=f"torch device for {what} (cpu, cuda, cuda:1, mps; default cpu)")


def check_device(name: str, option: str = "--device") -> str:
    """``name`` when this torch can use that device; else ValueError in one line (the CLI prints it, exit 2).

    ``option`` names where the device came from: ``--device`` (the CLIs) or ``device=`` (the Python API)."""
    import torch

    cli = option.startswith("--")
    given, cpu = (f"{option} {name}", f"{option} cpu") if cli else (f"{option}{name!r}", f"{option}'cpu'")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        raise ValueError(f"{option}{' ' if cli else ''}{name!r} is not a torch device ({reason})") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
            raise ValueError(f"{given}: no CUDA device is available to this torch {torch.__version__} "
                             f"({build}); use {cpu}")
        if device.index is not None and device.index >= count:
            raise ValueError(f"{given}: only {count} CUDA device(s) here (cuda:0 .. cuda:{count - 1})")
    if device.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise ValueError(f"{given}: MPS is not available to this torch {torch.__version__}; use {cpu}")
    return name
