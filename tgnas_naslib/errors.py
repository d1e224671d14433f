"""The user-facing error types: anything in USER_ERRORS is reported as one clear line, never a traceback."""

from __future__ import annotations

import sys

from .embedding.embedder import EmbedderError
from .graph import ArchitectureError
from .paths import MissingDataError


def _checkpoint_error() -> type:
    from .model.checkpoint import CheckpointError

    return CheckpointError


def _engine_error() -> type:
    try:
        from .study.engine import EngineError
    except ImportError:  # a core install without the study extra (scipy): no study, so no EngineError to catch
        return ArchitectureError
    return EngineError


#: the project's own error types: always a user error
OWN_ERRORS: tuple[type[BaseException], ...] = (ArchitectureError, MissingDataError, EmbedderError, _checkpoint_error(),
                                              _engine_error())
#: what the CLIs report as one line (bad values and missing files given on their command line included)
USER_ERRORS: tuple[type[BaseException], ...] = (*OWN_ERRORS, ValueError, FileNotFoundError)


def one_line_error(exc: BaseException, broad: bool = False) -> str | None:
    """The one-line report of a user error, else None (a bug: keep its traceback).

    User errors: OWN_ERRORS or exceptions flagged ``tgnas_user_error``; with ``broad`` every USER_ERRORS type
    (for the CLIs, whose ValueError / FileNotFoundError come from their own arguments).
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
