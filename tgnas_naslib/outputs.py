"""Where results go: the one rule for every output location of the project (CLI commands, the study, training,
the NASLib runner and NASLib's scripts through the plugin).

* An output location is checked, and created or refused, **before** the work starts (:func:`output_dir`,
  :func:`output_file`): a file where a folder is needed, a folder where a file is needed, a path under a file, or a
  folder this process cannot write into is an :class:`OutputError` naming the option and the path, in one line.
* A file is written under a temporary name beside it and renamed when complete (:func:`atomic_path`,
  :func:`write_text`): an interrupt or an error leaves the previous file (or none), never a half-written one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import TGNASError


class OutputError(TGNASError, ValueError):
    """An output location that cannot take the results (reported in one line, before any work)."""


def _existing_ancestor(path: Path) -> Path:
    """The nearest existing path among ``path`` and its parents."""
    for p in (path, *path.parents):
        if p.exists():
            return p
    return Path(path.anchor or ".")


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _check_writable(folder: Path, option: str, shown: str) -> None:
    """OutputError unless a file can be created in ``folder`` (a probe file: permission bits lie to root and on
    read-only mounts)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".tgnas-write-probe-", dir=folder)
    except OSError as exc:
        raise OutputError(f"{option} {shown}: cannot write into this folder ({_reason(exc)}); give a writable "
                          "folder") from None
    os.close(fd)
    os.unlink(probe)


def output_dir(path: str | os.PathLike, option: str = "--out") -> Path:
    """The output folder ``path``, created (with its parents) and checked writable; :class:`OutputError` naming
    ``option`` when it is a file, lies under a file, or cannot be created or written into."""
    if path is None or str(path) == "":
        raise OutputError(f"{option}: no output folder given")
    p = Path(path).expanduser()
    shown = str(path)
    if p.exists() and not p.is_dir():
        raise OutputError(f"{option} {shown} is a file: this writes a folder of files (give a new or existing "
                          "folder)")
    above = _existing_ancestor(p)
    if not above.is_dir():
        raise OutputError(f"{option} {shown}: cannot create this folder under {above}, which is a file")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{option} {shown}: cannot create this folder ({_reason(exc)})") from None
    _check_writable(p, option, shown)
    return p


def output_file(path: str | os.PathLike, option: str = "--out", example: str = "out.json") -> Path:
    """The output file ``path``, ready to be written: not a folder, its folder created and writable, and, when it
    exists, replaceable; :class:`OutputError` naming ``option`` otherwise (``example``: a file name the message
    suggests when a folder was given)."""
    if path is None or str(path) == "":
        raise OutputError(f"{option}: no output file given")
    p = Path(path).expanduser()
    shown = str(path)
    if p.is_dir():
        raise OutputError(f"{option} {shown} is a folder: give the path of a file (e.g. {p / example})")
    above = _existing_ancestor(p.parent)
    if not above.is_dir():
        raise OutputError(f"{option} {shown}: its folder cannot be created under {above}, which is a file")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{option} {shown}: cannot create its folder {p.parent} ({_reason(exc)})") from None
    _check_writable(p.parent, option, f"{shown} (its folder {p.parent})")
    return p


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` for the block to write; renamed to ``path`` when the block ends normally,
    removed when it ends by an exception or an interrupt (so ``path`` is whole or as it was)."""
    final = Path(path)
    # hidden, beside it, and with its suffix (matplotlib picks the image format from it)
    tmp = final.with_name(f".{final.stem}.{os.getpid()}-{secrets.token_hex(4)}.part{final.suffix}")
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` (UTF-8) through :func:`atomic_path`; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
