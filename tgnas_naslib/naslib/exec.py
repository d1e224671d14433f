"""Run one of NASLib's own scripts with the TG-NAS plugin loaded first (no autoload hook needed).

    python -m tgnas_naslib.naslib.exec /path/to/NASLib/naslib/runners/zc/runner.py --config-file my.yaml [opts]

The script runs as ``__main__`` with its own ``sys.argv`` (NASLib's ``parse_args`` binds ``sys.argv`` when
``naslib.utils`` is imported, which happened here before the script's arguments were in place, so its default
is re-bound), its directory first on ``sys.path`` (as ``python script.py`` would have it), and the plugin's user
errors (a missing benchmark file, images that are not here, ...) end in one line and exit status 2, and Ctrl-C in
one line and exit status 130.
"""

from __future__ import annotations

import os
import runpy
import sys
from typing import Sequence

PROG = "python -m tgnas_naslib.naslib.exec"


def rebind_naslib_argv(argv: Sequence[str]) -> None:
    """Make ``naslib.utils.parse_args()`` read ``argv[1:]`` (its default was bound to ``sys.argv`` at import)."""
    import naslib.utils as nu

    parser, _ = nu.parse_args.__defaults__
    nu.parse_args.__defaults__ = (parser, list(argv[1:]))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``argv[0]`` (a NASLib script) with ``argv[1:]`` as its arguments; user errors -> one line, exit 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[0] + "\n\nusage: " + PROG + " <naslib script.py> [its arguments]")
        return 0 if argv else 2
    script = argv[0]
    if not os.path.isfile(script):
        print(f"{PROG}: error: no such script: {script}", file=sys.stderr)
        return 2
    import tgnas_naslib.naslib  # noqa: F401  (compat + registration + offline apis)
    from tgnas_naslib.errors import report_interrupt, report_user_error

    sys.argv = [script, *argv[1:]]
    rebind_naslib_argv(sys.argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except KeyboardInterrupt as exc:  # Ctrl-C: one line and exit status 130 (NASLib's metrics pass it on: compat)
        return report_interrupt(os.path.basename(script), exc)
    except Exception as exc:  # noqa: BLE001 -- user errors become one line, everything else propagates
        return report_user_error(os.path.basename(script), exc, broad=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
