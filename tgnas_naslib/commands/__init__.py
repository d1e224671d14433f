"""Sub-commands of the ``tgnas`` CLI (one module each, registered in ``tgnas_naslib.cli.COMMANDS``)."""

from __future__ import annotations

import argparse

from ..device import check_device

__all__ = ["add_data_dir", "add_device", "check_device", "int_at_least"]


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
