"""The ``tgnas`` command: one sub-command per module in ``tgnas_naslib.commands`` (score, train, ...)."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

#: sub-commands that need an extra of the install (tgnas_naslib.extras), checked before they start (the study checks
#: its own: Ray only for live proxies on the Ray engine)
NEEDS_EXTRA = {"train": "train"}
#: sub-command name -> module providing ``add_parser(subparsers)`` and ``run(args) -> int``
COMMANDS = {
    "score": "tgnas_naslib.commands.score",
    "train": "tgnas_naslib.commands.train",
    "study": "tgnas_naslib.commands.study",
    "search": "tgnas_naslib.commands.search",
    "data": "tgnas_naslib.commands.data",
}


def version_line() -> str:
    """``tgnas <version> (Python <version>)``, without importing torch or numpy."""
    import platform

    from . import __version__

    return f"tgnas {__version__} (tgnas_naslib, Python {platform.python_version()})"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(prog="tgnas", description="TG-NAS: data-free zero-cost proxy for NAS")
    parser.add_argument("--version", action="version", version=version_line())
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a sub-command; user errors end in one clear line and exit status 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--version"]:  # answered before any sub-command module is imported
        print(version_line())
        return 0
    args = build_parser().parse_args(argv)
    try:
        if args.command in NEEDS_EXTRA:
            from .extras import require_extra

            require_extra(NEEDS_EXTRA[args.command], f"tgnas {args.command}")
        return int(args.run(args) or 0)
    except BrokenPipeError:  # e.g. `tgnas score ... | head`: the reader left, nothing is lost
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt as exc:  # exit status 130; what can resume says so (errors.Interrupted)
        from .errors import report_interrupt

        return report_interrupt(f"tgnas {args.command}", exc)
    except Exception as exc:  # noqa: BLE001 -- user errors become one line; anything else is a bug
        from .errors import report_user_error
        from .extras import as_missing_extra

        return report_user_error(f"tgnas {args.command}", as_missing_extra(exc) or exc)


if __name__ == "__main__":
    sys.exit(main())
