"""The resumable cache of live proxy values: one JSON line per (architecture, proxy), one file per benchmark,
batch size and seed. Only the driver writes it (see :mod:`.engine`), one line per value, flushed at once, so a
run killed at any point keeps what it had and a restart computes only what is missing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path


def _key(rec: dict) -> tuple[tuple, str]:
    return _as_tuple(rec["arch"]), str(rec["proxy"])


def _ends_without_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        if fh.seek(0, os.SEEK_END) == 0:
            return False
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) != b"\n"


def _as_tuple(arch) -> tuple:
    """JSON lists back to (nested) tuples, so an arch read from the file equals the one it was written from."""
    if isinstance(arch, (list, tuple)):
        return tuple(_as_tuple(a) for a in arch)
    return arch


def read_jsonl(path: str | os.PathLike) -> Iterator[dict]:
    """The records of a JSON-lines file written by a resumable script (none if it does not exist); blank lines and a
    line cut in half by a killed run are skipped."""
    path = Path(path)
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


class LiveCache:
    """Append-only JSON-lines cache of live proxy values: exactly one line per (arch, proxy).

    Opening it drops lines cut off by an interruption (or otherwise unreadable) and repeated keys, rewriting the
    file atomically when it finds any, so the file on disk holds every key at most once; those values are
    recomputed. :meth:`add` never writes a key that is already there."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.entries: dict[tuple[tuple, str], dict] = {}
        self.skipped = 0  # unreadable lines dropped on opening
        self.repeated = 0  # lines whose key was already in the file (kept the first)
        if self.path.is_file():
            for line in self.path.read_text().splitlines():
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    key = _key(rec)
                except (json.JSONDecodeError, KeyError, TypeError):
                    self.skipped += 1
                    continue
                if key in self.entries:
                    self.repeated += 1
                else:
                    self.entries[key] = rec
            cut = _ends_without_newline(self.path)  # its last line would swallow the next one written
            if self.skipped or self.repeated or cut:
                self._rewrite()

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, key: tuple[tuple, str]) -> bool:
        return (_as_tuple(key[0]), key[1]) in self.entries

    def get(self, arch: tuple, proxy: str) -> dict | None:
        """The record of (arch, proxy), or None."""
        return self.entries.get((_as_tuple(arch), proxy))

    def add(self, rec: dict) -> bool:
        """Append ``rec`` (needs ``arch`` and ``proxy``) unless its key is already cached; True if written."""
        key = _key(rec)
        if key in self.entries:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as fh:
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
        self.entries[key] = rec
        return True

    def _rewrite(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w") as fh:
            for rec in self.entries.values():
                fh.write(json.dumps(rec) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
