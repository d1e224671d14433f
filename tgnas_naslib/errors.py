"""The user-facing error types: the ground floor of the package (it imports no other module of it).

Every error of the project that a user should see as one clear line, never a traceback, derives from
``TGNASError`` (and, where callers rely on it, also from the builtin it refines: ``ArchitectureError`` is a
``ValueError``, ``MissingDataError`` a ``FileNotFoundError``, ...). The classes live beside the code that raises
them (graph.py, paths.py, embedding/embedder.py, model/checkpoint.py, study/engine.py, naslib/runconfig.py, ...),
which import this module; this module imports none of them.
"""

from __future__ import annotations

import sys


class TGNASError(Exception):
    """Base of the project's user errors: reported as one line (the message says what is wrong and the fix)."""


#: the project's own error types: always a user error
OWN_ERRORS: tuple[type[BaseException], ...] = (TGNASError,)
#: what the CLIs report as one line (bad values and missing files given on their command line included)
USER_ERRORS: tuple[type[BaseException], ...] = (*OWN_ERRORS, ValueError, FileNotFoundError)


def one_line_error(exc: BaseException, broad: bool = False) -> str | None:
    """The one-line report of a user error, else None (a bug: keep its traceback).

    User errors: ``TGNASError`` (OWN_ERRORS) or exceptions flagged ``tgnas_user_error``; with ``broad`` every
    USER_ERRORS type (for the CLIs, whose ValueError / FileNotFoundError come from their own arguments).
    """
    kinds = USER_ERRORS if broad else OWN_ERRORS
    if isinstance(exc, kinds) or getattr(exc, "tgnas_user_error", False):
        return " ".join(str(exc).split()) or type(exc).__name__
    return None


def report_user_error(prog: str, exc: BaseException, broad: bool = True) -> int:
    """Print a user error as ``<prog>: error: <one line>`` on stderr and return exit status 2; re-raise a bug."""
    line = one_line_error(exc, broad=broad)
    if line is None:
        raise exc
    print(f"{prog}: error: {line}", file=sys.stderr)
    return 2


#: the exit status of an interrupted command (128 + SIGINT, as a shell reports Ctrl-C)
EXIT_INTERRUPTED = 130


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, carrying what was kept and how to resume (``note``); the CLIs print it after ``interrupted``."""

    def __init__(self, note: str = "") -> None:
        super().__init__(note)
        self.note = note


def report_interrupt(prog: str, exc: BaseException | None = None) -> int:
    """Print ``<prog>: interrupted[; <what was kept, how to resume>]`` on stderr and return exit status 130."""
    note = getattr(exc, "note", "")
    print(f"{prog}: interrupted{'; ' + note if note else ''}", file=sys.stderr)
    return EXIT_INTERRUPTED
