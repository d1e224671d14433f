"""Loaded benchmark data: one record per architecture (ground truth + proxy scores)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: NASLib's value for a failed proxy (NaN/inf are turned into it by ZeroCost)
FAILED = -1e8


def is_failed(value: float | None) -> bool:
    """A proxy value that NASLib counts as failed: missing, NaN, inf or <= -1e8."""
    return value is None or not math.isfinite(value) or value <= FAILED


@dataclass(frozen=True)
class ArchRecord:
    """One architecture (plain-int tuple encoding), its ground truth (None if unlabelled) and proxy scores."""

    arch: tuple
    y: float | None
    proxies: dict[str, float] = field(default_factory=dict)


@dataclass
class Benchmark:
    """Every record of one (search space, task) from one source file."""

    name: str
    space: str
    task: str
    records: list[ArchRecord]
    source: str

    @property
    def archs(self) -> list[tuple]:
        """Architecture encodings in record order."""
        return [r.arch for r in self.records]

    @property
    def y(self) -> np.ndarray:
        """Ground truth (NaN where unlabelled)."""
        return np.array([np.nan if r.y is None else r.y for r in self.records], dtype=np.float64)

    @property
    def proxy_names(self) -> list[str]:
        """Proxies present in at least one record, sorted."""
        return sorted({p for r in self.records for p in r.proxies})

    def proxy(self, name: str) -> np.ndarray:
        """Raw proxy values (NaN where the record lacks the proxy)."""
        return np.array([r.proxies.get(name, np.nan) for r in self.records], dtype=np.float64)

    def proxy_naslib(self, name: str) -> tuple[np.ndarray, int]:
        """Proxy values with failures set to -1e8 as NASLib does (they rank last), and the number of failures."""
        raw = self.proxy(name)
        failed = np.array([is_failed(v) for v in raw])
        return np.where(failed, FAILED, raw), int(failed.sum())

    def __len__(self) -> int:
        return len(self.records)
