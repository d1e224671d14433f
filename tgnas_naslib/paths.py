"""Where benchmark data lives: the one data-directory rule of every part of the project, and its one home.

The data directory is, in this order: the explicit ``--data-dir`` (``data_dir`` in a config, ``data_dir=`` in
Python), or the one set for a scope (:func:`using_data_dir`: the project runner's config) or for the program
(:func:`set_data_dir`: ``data_dir`` of a NASLib script, which NASLib's own loaders cannot be handed); else
``$TGNAS_DATA_DIR``; else :data:`DEFAULT_DIR` (``./benchmarks_data``, relative to the current directory). Every
message about a missing file names the directory and which rule chose it.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import TGNASError

ENV_VAR = "TGNAS_DATA_DIR"
#: the documented default, relative to the current directory
DEFAULT_DIR = "benchmarks_data"
#: how the running program takes a data directory, as missing-file messages tell it (see :func:`set_data_dir_option`)
_OPTION = contextvars.ContextVar("tgnas_data_dir_option", default="pass --data-dir")
#: the data directory set for the program or a scope (:func:`set_data_dir`, :func:`using_data_dir`); None: unset
_SET = contextvars.ContextVar("tgnas_data_dir", default=None)


def set_data_dir_option(how: str) -> None:
    """Say how this program takes a data directory (``"pass --data-dir"`` for the ``tgnas`` CLI, the default;
    NASLib's scripts have their own way), for every missing-file message from now on."""
    _OPTION.set(how)


@contextlib.contextmanager
def data_dir_option(how: str) -> Iterator[None]:
    """:func:`set_data_dir_option` while the block runs (the project's NASLib runner)."""
    token = _OPTION.set(how)
    try:
        yield
    finally:
        _OPTION.reset(token)


def set_data_dir(path: str | os.PathLike | None) -> None:
    """The data directory from now on, for every reader that is not given one (None: the usual rule again): a NASLib
    script's ``data_dir``, which NASLib's loaders and apis, called by NASLib itself, cannot be handed."""
    _SET.set(None if path is None or str(path) == "" else str(path))


@contextlib.contextmanager
def using_data_dir(path: str | os.PathLike | None) -> Iterator[Path]:
    """:func:`set_data_dir` while the block runs (the project's NASLib runner), then the previous one again; yields
    the data directory (``path`` None: the usual rule)."""
    token = _SET.set(None if path is None or str(path) == "" else str(path))
    try:
        yield data_dir()
    finally:
        _SET.reset(token)


def _given(override: str | os.PathLike | None) -> str | None:
    """The explicit data directory: ``override``, else the one set for the program or scope, else None."""
    if override is not None and str(override) != "":
        return str(override)
    return _SET.get()


def how_to_set() -> str:
    """``'set TGNAS_DATA_DIR=/path/to/benchmarks_data or <this program's option>'``."""
    return f"set {ENV_VAR}=/path/to/benchmarks_data or {_OPTION.get()}"


class MissingDataError(TGNASError, FileNotFoundError):
    """A benchmark data file is not in the data directory; the message names the file and the fix."""


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The benchmark data directory: ``override`` (else the one set for the program or scope), else
    ``$TGNAS_DATA_DIR``, else ``./benchmarks_data``."""
    given = _given(override)
    if given is not None:
        return Path(given).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.cwd() / DEFAULT_DIR


def data_dir_source(override: str | os.PathLike | None = None) -> str:
    """Which rule chose :func:`data_dir` (for messages): ``--data-dir``, ``$TGNAS_DATA_DIR`` or the default."""
    if _given(override) is not None:
        return "from --data-dir / data_dir"
    if os.environ.get(ENV_VAR):
        return f"from ${ENV_VAR}"
    return f"the default ./{DEFAULT_DIR}: neither --data-dir / data_dir nor ${ENV_VAR} is set"


def describe(override: str | os.PathLike | None = None) -> str:
    """``'<dir> (<how it was chosen>)'``, the phrase every missing-file message uses."""
    return f"{data_dir(override)} ({data_dir_source(override)})"


def missing_message(relpath: str, root: str | os.PathLike | None = None) -> str:
    """One line: which file is missing, in which data directory, chosen how, and where the files come from."""
    return (f"benchmark data file not found: {relpath} in the data directory {describe(root)}; {how_to_set()} "
            "(benchmarks_data/README.md says where each file comes from)")


def require_file(relpath: str, root: str | os.PathLike | None = None) -> Path:
    """The path of a data file under the data directory, or MissingDataError naming it and the directory."""
    path = data_dir(root) / relpath
    if not path.is_file():
        raise MissingDataError(missing_message(relpath, root))
    return path
