"""Where benchmark data lives: the configurable data directory (``TGNAS_DATA_DIR``)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "TGNAS_DATA_DIR"


class MissingDataError(FileNotFoundError):
    """A benchmark data file is not in the data directory; the message names the file and the fix."""


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """Return the benchmark data directory: ``override``, else ``$TGNAS_DATA_DIR``, else ``./benchmarks_data``."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.cwd() / "benchmarks_data"


def require_file(relpath: str, root: str | os.PathLike | None = None) -> Path:
    """Return the path of a data file under the data directory, or raise MissingDataError naming it."""
    base = data_dir(root)
    path = base / relpath
    if not path.is_file():
        raise MissingDataError(
            f"benchmark data file not found: {path}\n"
            f"  (looked in the data directory {base}; set {ENV_VAR}=/path/to/benchmarks_data or pass "
            f"--data-dir. benchmarks_data/README.md says where the original NAS-Bench-Suite-Zero files come from.)"
        )
    return path
