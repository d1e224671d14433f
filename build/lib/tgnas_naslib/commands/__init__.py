"""Sub-commands of the ``tgnas`` CLI (one module each, registered in ``tgnas_naslib.cli.COMMANDS``)."""

from __future__ import annotations

import argparse


def add_data_dir(p: argparse.ArgumentParser, purpose: str = "") -> None:
    """The shared ``--data-dir`` option (the benchmark data directory; see :mod:`tgnas_naslib.paths`)."""
    p.add_argument("--data-dir", default=None,
                   help=f"benchmark data directory{purpose} (default: $TGNAS_DATA_DIR, else ./benchmarks_data)")


def add_device(p: argparse.ArgumentParser, what: str = "TG-NAS") -> None:
    """The shared ``--device`` option, checked by :func:`check_device` before anything is loaded."""
    p.add_argument("--device", default="cpu", help=f"torch device for {what} (cpu, cuda, cuda:1, mps; default cpu)")


def check_device(name: str) -> str:
    """``name`` when this torch can use that device; else ValueError in one line (the CLI prints it, exit 2)."""
    import torch

    try:
        device = torch.device(name)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"--device {name!r} is not a torch device ({' '.join(str(exc).split())})") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
            raise ValueError(f"--device {name}: no CUDA device is available to this torch {torch.__version__} "
                             f"({build}); use --device cpu")
        if device.index is not None and device.index >= count:
            raise ValueError(f"--device {name}: only {count} CUDA device(s) here (cuda:0 .. cuda:{count - 1})")
    if device.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise ValueError(f"--device {name}: MPS is not available to this torch {torch.__version__}; use --device cpu")
    return name
