"""Sub-commands of the ``tgnas`` CLI (one module each, registered in ``tgnas_naslib.cli.COMMANDS``)."""

from __future__ import annotations

import argparse


def add_data_dir(p: argparse.ArgumentParser, purpose: str = "") -> None:
    """The shared ``--data-dir`` option (the benchmark data directory; default $TGNAS_DATA_DIR)."""
    p.add_argument("--data-dir", default=None,
                   help=f"benchmark data directory{purpose} (default: $TGNAS_DATA_DIR)")
