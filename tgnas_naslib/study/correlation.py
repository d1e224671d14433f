"""Rank-correlation metrics (plain numpy/scipy, no NASLib import) and a vectorised, exact Spearman bootstrap.

Failed proxy values are handled as NASLib does: they are set to -1e8 and so rank last (ties among themselves).
TG-NAS's ``-inf`` (no input->output path) likewise ranks last.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass

import numpy as np

from ..datasets.records import FAILED
from ..extras import require

stats = require("scipy.stats", "the study")


def rank_last(x: np.ndarray) -> np.ndarray:
    """Replace NaN / +-inf / <= -1e8 by -1e8 (NASLib's failed value), so they tie for the last rank."""
    x = np.asarray(x, dtype=np.float64)
    bad = ~np.isfinite(x) | (x <= FAILED)
    return np.where(bad, FAILED, x)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rho with average ranks for ties (NaN if either side is constant)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3 or np.all(x == x[0]) or np.all(y == y[0]):
        return float("nan")
    return float(stats.spearmanr(x, y)[0])


def kendall(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall tau-b."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3 or np.all(x == x[0]) or np.all(y == y[0]):
        return float("nan")
    return float(stats.kendalltau(x, y)[0])


def precision_at_k(pred: np.ndarray, y: np.ndarray, k: int) -> float:
    """NASLib ``compute_scores``' ``precision_{k}``: |{y > (k+1)-th largest y} & {pred > (k+1)-th largest pred}| / k.

    k is a COUNT of architectures (NASLib uses k = 10 and 20). Ties at the threshold fall out of the top set.
    """
    pred, y = np.asarray(pred, float), np.asarray(y, float)
    n = len(y)
    if n == 0:
        return float("nan")
    j = max(-n, -k - 1)
    top_y = y > np.sort(y)[j]
    top_p = pred > np.sort(pred)[j]
    return float(np.sum(top_y & top_p) / k)


def p_at_top(pred: np.ndarray, y: np.ndarray, ratio: float) -> float:
    """NASLib ``p_at_tb_k``'s P@topK with k = int(ratio * n): the share of the k best-predicted archs that are
    among the k truly best (ties broken by a stable sort on record order)."""
    pred, y = np.asarray(pred, float), np.asarray(y, float)
    n = len(y)
    k = int(n * ratio)
    if k < 1:
        return float("nan")
    top_pred = np.argsort(-pred, kind="stable")[:k]
    true_rank = np.empty(n, dtype=np.int64)
    true_rank[np.argsort(-y, kind="stable")] = np.arange(n)
    return float(np.mean(true_rank[top_pred] < k))


# --------------------------------------------------------------------------------------------------------------
# bootstrap
# --------------------------------------------------------------------------------------------------------------
def _resample_ranks(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Average ranks of every item inside each bootstrap resample, from the multiplicities ``w`` (B, n).

    An item drawn c times occupies c tied positions; its average rank in the resample is
    (sum of weights of strictly smaller values) + (sum of weights of its tie group + 1) / 2 — exactly what
    ranking the resampled vector would give, without sorting per resample.
    """
    _, inv = np.unique(x, return_inverse=True)
    inv = inv.ravel()
    order = np.argsort(inv, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(inv[order])) + 1]
    g = np.add.reduceat(w[:, order], starts, axis=1).astype(np.float64)
    rank_g = np.cumsum(g, axis=1) - g + (g + 1.0) / 2.0
    return rank_g[:, inv]


def bootstrap_spearman(columns: list[np.ndarray], y: np.ndarray, n_boot: int, rng: np.random.Generator,
                       chunk_elems: int = 2_000_000) -> np.ndarray:
    """Spearman rho of every column against ``y`` on ``n_boot`` paired resamples (the same resamples for every
    column). Returns an array (len(columns), n_boot); NaN where a resample is constant on one side."""
    y = np.asarray(y, float)
    n = len(y)
    out = np.full((len(columns), n_boot), np.nan)
    if n < 3 or n_boot < 1:
        return out
    step = max(1, chunk_elems // n)
    mid = (n + 1) / 2.0  # the mean rank of any resample of size n
    for s in range(0, n_boot, step):
        b = min(step, n_boot - s)
        idx = rng.integers(0, n, size=(b, n))
        w = np.bincount((idx + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n).reshape(b, n)
        ry = _resample_ranks(y, w) - mid
        vy = np.einsum("bi,bi,bi->b", w, ry, ry)
        for c, x in enumerate(columns):
            rx = _resample_ranks(np.asarray(x, float), w) - mid
            vx = np.einsum("bi,bi,bi->b", w, rx, rx)
            cov = np.einsum("bi,bi,bi->b", w, rx, ry)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[c, s:s + b] = np.where((vx > 0) & (vy > 0), cov / np.sqrt(vx * vy), np.nan)
    return out


def cell_rng(seed: int, *names: str) -> np.random.Generator:
    """A generator seeded by the study seed and the cell's names: a cell's interval does not depend on which
    other benchmarks / proxies are in the run."""
    return np.random.default_rng([int(seed)] + [zlib.crc32(n.encode()) for n in names])


def interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap samples (NaN samples ignored)."""
    s = samples[np.isfinite(samples)]
    if len(s) == 0:
        return float("nan"), float("nan")
    a = (1 - level) / 2 * 100
    lo, hi = np.percentile(s, [a, 100 - a])
    return float(lo), float(hi)


# --------------------------------------------------------------------------------------------------------------
# one cell of the table
# --------------------------------------------------------------------------------------------------------------
@dataclass
class Cell:
    """One (benchmark, method) entry of the correlation table."""

    benchmark: str
    label: str
    role: str
    method: str
    status: str  # "ok" | "no data"
    n: int = 0
    n_failed: int = 0
    source: str = ""
    kind: str = ""  # "stored" (a benchmark file) | "live" (computed in this study: NASLib proxies, TG-NAS)
    batch: int | None = None  # batch size of the proxy values (None: not recorded / not a batch method)
    spearman: float = float("nan")
    spearman_lo: float = float("nan")
    spearman_hi: float = float("nan")
    kendall: float = float("nan")
    precision_10: float = float("nan")
    precision_20: float = float("nan")
    p_top10pct: float = float("nan")
    p_top20pct: float = float("nan")
    tgnas_spearman_same_archs: float = float("nan")
    delta_lo: float = float("nan")  # 95% paired-bootstrap interval of (TG-NAS rho - this rho) on the same archs
    delta_hi: float = float("nan")
    note: str = ""

    def as_row(self) -> dict:
        return asdict(self)


def rank_correlations(pred: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman rho and Kendall tau of one prediction vector (failures, NaN and -inf ranked last)."""
    pred = rank_last(pred)
    return spearman(pred, y), kendall(pred, y)


def point_metrics(pred: np.ndarray, y: np.ndarray) -> dict:
    """Spearman, Kendall and NASLib's top-k metrics of one prediction vector (failures ranked last)."""
    pred = rank_last(pred)
    return {"spearman": spearman(pred, y), "kendall": kendall(pred, y),
            "precision_10": precision_at_k(pred, y, 10), "precision_20": precision_at_k(pred, y, 20),
            "p_top10pct": p_at_top(pred, y, 0.1), "p_top20pct": p_at_top(pred, y, 0.2)}
