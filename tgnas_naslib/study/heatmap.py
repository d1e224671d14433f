"""Proxy independence (TG-NAS Figures 4 and 8): Spearman between every pair of proxies on the same NB201
architectures, hierarchical clusters of the matrix, and where TG-NAS sits."""

from __future__ import annotations

import csv
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..extras import require
from ..outputs import atomic_path
from .correlation import rank_last
from .data import ANALYTIC, PROXIES, TGNAS, ProxyColumn, StudyData
from .plots import pyplot

require("scipy", "the study")
from scipy import stats  # noqa: E402
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage  # noqa: E402
from scipy.spatial.distance import squareform  # noqa: E402

#: proxies whose average-linkage Spearman to each other is at least this form one cluster
CLUSTER_RHO = 0.7


@dataclass
class Independence:
    """A proxy-by-proxy Spearman matrix on one benchmark's architectures."""

    key: str
    label: str
    names: list[str]
    matrix: np.ndarray
    n: int
    n_available: int
    source: str
    note: str = ""
    clusters: list[list[str]] = field(default_factory=list)
    order: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # per name: "S" stored / "L" live (TG-NAS: computed here, "L")

    def display(self, name: str) -> str:
        """The axis label of ``name``: the proxy and its mark, e.g. ``flops (L)``."""
        label = "TG-NAS" if name == TGNAS else name
        return f"{label} ({self.kinds[self.names.index(name)]})" if self.kinds else label

    def nearest(self, name: str = TGNAS, k: int = 3) -> list[tuple[str, float]]:
        """The k proxies most correlated with ``name`` (highest Spearman first)."""
        i = self.names.index(name)
        others = [(self.names[j], float(self.matrix[i, j])) for j in range(len(self.names))
                  if j != i and not self.names[j].startswith("tgnas_")]  # a fused proxy contains TG-NAS itself
        others = [o for o in others if np.isfinite(o[1])]
        return sorted(others, key=lambda o: -o[1])[:k]


def independence(data: StudyData, n_sample: int = 1000, seed: int = 0,
                 cluster_rho: float = CLUSTER_RHO, extra: Mapping[str, ProxyColumn] | None = None) -> Independence:
    """Spearman between every pair of {13 proxies, ``extra`` columns (fused proxies), TG-NAS} on up to ``n_sample``
    seeded random archs that have every proxy (all of them when fewer are available). Failed values rank last
    (NASLib's -1e8)."""
    columns = {**data.columns, **(extra or {})}
    names = [p for p in PROXIES + ANALYTIC if p in data.columns] + list(extra or {}) + [TGNAS]
    missing = [p for p in PROXIES if p not in data.columns]
    common = np.ones(data.n, dtype=bool)
    for p in names[:-1]:
        common &= columns[p].mask
    avail = np.flatnonzero(common)
    rng = np.random.default_rng([int(seed), zlib.crc32(b"independence"), zlib.crc32(data.spec.key.encode())])
    if len(avail) > n_sample:
        pick = np.sort(rng.choice(avail, size=n_sample, replace=False))
        note = f"{n_sample} random archs (seed {seed}) of the {len(avail)} that have every proxy"
    else:
        pick = avail
        note = (f"all {len(avail)} archs that have every proxy (fewer than the {n_sample} asked for: "
                f"this is all the data there is)")
    if missing:
        note += f"; no data for {', '.join(missing)}"
    cols = [rank_last(columns[p].values[pick]) for p in names[:-1]] + [rank_last(data.tgnas[pick])]
    m = np.asarray(stats.spearmanr(np.column_stack(cols))[0], dtype=np.float64)
    m = (m + m.T) / 2  # exact symmetry
    np.fill_diagonal(m, 1.0)
    ind = Independence(data.spec.key, data.spec.label, names, m, len(pick), len(avail),
                       " + ".join(sorted({data.columns[p].source for p in names[:-1] if p in data.columns})), note,
                       kinds=[columns[p].tag for p in names[:-1]] + ["L"])
    ind.clusters, ind.order = cluster(m, names, cluster_rho)
    return ind


def cluster(matrix: np.ndarray, names: list[str], rho: float = CLUSTER_RHO) -> tuple[list[list[str]], list[int]]:
    """Average-linkage hierarchical clusters on distance 1 - Spearman, cut at 1 - ``rho``; also the dendrogram's
    leaf order (for plotting). Clusters are sorted largest first."""
    d = 1.0 - np.nan_to_num(matrix, nan=0.0)
    d = (d + d.T) / 2
    np.fill_diagonal(d, 0.0)
    z = linkage(squareform(np.clip(d, 0, 2), checks=False), method="average")
    labels = fcluster(z, t=1.0 - rho, criterion="distance")
    groups: dict[int, list[str]] = {}
    order = [int(i) for i in leaves_list(z)]
    for i in order:
        groups.setdefault(int(labels[i]), []).append(names[i])
    clusters = sorted(groups.values(), key=lambda g: -len(g))
    return clusters, order


def describe(ind: Independence) -> str:
    """A few lines: the clusters found and TG-NAS's nearest proxies."""
    multi = [c for c in ind.clusters if len(c) > 1]
    alone = [c[0] for c in ind.clusters if len(c) == 1]
    near = ", ".join(f"{p} {r:+.2f}" for p, r in ind.nearest())
    where = next((c for c in ind.clusters if TGNAS in c), [TGNAS])
    live = [n for n, k in zip(ind.names, ind.kinds) if k == "L" and n != TGNAS]
    stored = [n for n, k in zip(ind.names, ind.kinds) if k == "S"]
    marks = "; " + "; ".join(f"{what}: {', '.join(names)}" for what, names in (("live", live), ("stored", stored))
                             if names)
    lines = [f"{ind.label} (n={ind.n}; {ind.note}{marks}):",
             f"  clusters (average linkage, Spearman >= {CLUSTER_RHO}): "
             + "; ".join("{" + ", ".join(c) + "}" for c in multi),
             f"  on their own: {', '.join(alone) if alone else '-'}",
             f"  TG-NAS: highest-correlated proxies {near}; "
             + (f"clusters with {', '.join(p for p in where if p != TGNAS)}" if len(where) > 1 else "in no cluster")]
    return "\n".join(lines)


def write_csv(ind: Independence, path: Path) -> None:
    """The matrix as CSV (proxy order as in NASLib, TG-NAS last), each row with its kind (stored / live) and n."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["proxy", "kind", "n"] + ind.names)
        for name, kind, row in zip(ind.names, ind.kinds or [""] * len(ind.names), ind.matrix):
            w.writerow([name, {"S": "stored", "L": "live"}.get(kind, "")] + [ind.n] + [f"{v:.4f}" for v in row])


def plot(ind: Independence, path: Path, order: list[str] | None = None) -> None:
    """An annotated heatmap PNG (rows/columns in ``order``, default: the dendrogram order)."""
    plt = pyplot()
    names = [n for n in (order or [ind.names[i] for i in ind.order]) if n in ind.names]
    idx = [ind.names.index(n) for n in names]
    m = ind.matrix[np.ix_(idx, idx)]
    fig, ax = plt.subplots(figsize=(9.5, 8.2))
    im = ax.imshow(m, cmap="RdBu_r", vmin=-1, vmax=1)
    labels = [ind.display(n) for n in names]
    ax.set_xticks(range(len(names)), labels, rotation=45, ha="right", fontsize=10)
    ax.set_yticks(range(len(names)), labels, fontsize=10)
    for t in ax.get_xticklabels() + ax.get_yticklabels():
        if t.get_text().startswith(("TG-NAS", "tgnas_")):
            t.set_fontweight("bold")
    for i in range(len(names)):
        for j in range(len(names)):
            v = m[i, j]
            ax.text(j, i, "nan" if not np.isfinite(v) else f"{v:.2f}", ha="center", va="center", fontsize=7.5,
                    color="white" if np.isfinite(v) and abs(v) > 0.6 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="Spearman rho")
    ax.set_title(f"Proxy independence, {ind.label} (n={ind.n} archs; S stored, L live, A analytic)", fontsize=12)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130)
    plt.close(fig)
