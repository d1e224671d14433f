"""The user-facing error types: anything in USER_ERRORS is reported as one clear line, never a traceback."""

from __future__ import annotations

from .embedding.embedder import EmbedderError
from .graph import ArchitectureError
from .paths import MissingDataError


def _checkpoint_error() -> type:
    from .model.checkpoint import CheckpointError

    return CheckpointError


def _engine_error() -> type:
    from .study.engine import EngineError

    return EngineError


USER_ERRORS: tuple[type[BaseException], ...] = (
    ArchitectureError, MissingDataError, EmbedderError, _checkpoint_error(), _engine_error(), ValueError,
    FileNotFoundError,
)
