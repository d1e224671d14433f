"""Sub-commands of the ``tgnas`` CLI (one module each, registered in ``tgnas_naslib.cli.COMMANDS``)."""

from __future__ import annotations

import argparse

from ..device import check_device

__all__ = ["add_data_dir", "add_device", "add_model", "check_device", "int_at_least", "load_model", "scored_by",
           "seed_type"]


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


def seed_type(text: str) -> int:
    """An argparse ``type`` for ``--seed``: an integer from 0 to 2**32 - 1 (numpy's limit), refused in argparse's one
    line naming the option otherwise."""
    from ..checks import SEED_MAX

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"{value} is not a seed: give an integer from 0 to {SEED_MAX}")
    return value


def add_device(p: argparse.ArgumentParser, what: str = "TG-NAS") -> None:
    """The shared ``--device`` option, checked by :func:`check_device` before anything is loaded."""
    p.add_argument("--device", default="cpu", help=f"torch device for {what} (cpu, cuda, cuda:1, mps; default cpu)")


def add_model(p: argparse.ArgumentParser) -> None:
    """The shared ``--checkpoint`` / ``--in-family`` options: which TG-NAS model scores."""
    from ..names import DEFAULT_MODEL, PRETRAINED_MODELS

    p.add_argument("--checkpoint", default=None, metavar="MODEL",
                   help=f"a shipped model ({', '.join(PRETRAINED_MODELS)}; default {DEFAULT_MODEL}: each space is "
                        "scored by the member that never saw its design family, zero-shot), or the path of a "
                        "checkpoint from `tgnas train`, a bundle manifest (*.bundle.json) or a bundle folder")
    p.add_argument("--in-family", action="store_true",
                   help="score with the bundle's all-family member, also on the families that trained it (in-family "
                        "scores, not zero-shot; the one way to get them from the default bundle)")


def load_model(args: argparse.Namespace):
    """The model ``--checkpoint`` / ``--in-family`` / ``--device`` name (a TGNAS or a ModelBundle)."""
    from ..api import TGNAS

    return TGNAS.pretrained(args.checkpoint, device=check_device(args.device), in_family=args.in_family)


def scored_by(model, space: str | None) -> str:
    """The phrase every printed score line carries: which model member scored and whether zero-shot or in-family."""
    d = model.describe(space)
    member = d["member"] if d["member"] == d["model"] else f"{d['model']} member {d['member']}"
    where = f"on {space}" if space else "on a module / hand-made graph (no space)"
    if d["evaluation"] == "in-family":
        note = f"in-family: {space}'s design family trained it, so these are not zero-shot scores"
    else:
        note = f"zero-shot: no label of {space}'s design family trained it" if space else "zero-shot"
    return f"scored by {member} ({note}; trained on {d['trained_on']}) {where}"
