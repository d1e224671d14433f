"""Figures: the proxies x benchmarks Spearman matrix with mean/std per proxy (TG-NAS Figure 3) and TG-NAS's
predicted-rank vs true-rank scatter per benchmark (Figures 5, 7, 10)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..extras import require
from ..outputs import atomic_path
from .correlation import Cell, rank_last
from .data import IN_FAMILY, NOT_ZERO_SHOT, TGNAS, TRAINING, StudyData


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only, no display), or MissingExtraError naming the extra."""
    require("matplotlib", "the study's figures").use("Agg")
    return require("matplotlib.pyplot", "the study's figures")


def _display(method: str) -> str:
    return "TG-NAS" if method == TGNAS else method


#: the marks of figure 3's cells, as the table's S / L / A: live (computed in this run: TG-NAS and NASLib's
#: proxies) and analytic; stored values carry none
FIGURE3_MARKS = {"live": "*", "analytic": "+"}


def cell_label(c: Cell | None) -> str:
    """The text of one figure-3 cell: rho with its mark, ``const`` or ``no data``."""
    if c is None or c.status != "ok":
        return "no\ndata"
    if not np.isfinite(c.spearman):
        return "const" if c.n >= 3 else "no\ndata"
    return f"{c.spearman:.2f}{FIGURE3_MARKS.get(c.kind, '')}"


def figure3(cells: list[Cell], methods: list[str], benchmarks: list[tuple[str, str, str]], path: Path) -> None:
    """Left: annotated matrix of Spearman rho (rows ``methods``, columns ``benchmarks`` = (key, label, role));
    grey = no data. Right: every benchmark's rho per method as points, with mean +- std over the benchmarks
    that are not the training space."""
    plt = pyplot()
    by = {(c.benchmark, c.method): c for c in cells}
    m = np.full((len(methods), len(benchmarks)), np.nan)
    for i, meth in enumerate(methods):
        for j, (key, _, _) in enumerate(benchmarks):
            c = by.get((key, meth))
            if c is not None and c.status == "ok":
                m[i, j] = c.spearman
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(19, 0.52 * len(methods) + 3.2),
                                  gridspec_kw={"width_ratios": [len(benchmarks) + 1.5, 7]})
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#d9d9d9")
    im = ax.imshow(np.ma.masked_invalid(m), cmap=cmap, vmin=-1, vmax=1, aspect="auto")
    xl = [lab + ("\n(train, CV)" if role == TRAINING else "\n(val. family)" if role == "validation family" else
                 "\n(in-family)" if role == IN_FAMILY else "") for _, lab, role in benchmarks]
    ax.set_xticks(range(len(benchmarks)), xl, rotation=45, ha="right", fontsize=9)
    ax.set_yticks(range(len(methods)), [_display(x) for x in methods], fontsize=10)
    for t in ax.get_yticklabels():
        if t.get_text() == "TG-NAS":
            t.set_fontweight("bold")
    for i, meth in enumerate(methods):
        for j, (key, _, _) in enumerate(benchmarks):
            v = m[i, j]
            ax.text(j, i, cell_label(by.get((key, meth))), ha="center", va="center",
                    fontsize=7 if not np.isfinite(v) else 8.5,
                    color="white" if np.isfinite(v) and abs(v) > 0.6 else "#555555" if not np.isfinite(v) else "black")
    ax.set_title("Spearman rho with ground truth (grey: no data; * live, computed in this run (TG-NAS and NASLib's "
                 "proxies); + analytic; others stored)", fontsize=11)
    fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01)

    # right panel: points + mean/std over the non-training benchmarks
    cols = [j for j, (_, _, role) in enumerate(benchmarks) if role not in NOT_ZERO_SHOT]
    colors = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(cols), 2)))
    rng = np.random.default_rng(0)
    for i in range(len(methods)):
        row = len(methods) - 1 - i
        for c, j in enumerate(cols):
            if np.isfinite(m[i, j]):
                ax2.scatter(m[i, j], row + rng.uniform(-0.18, 0.18), s=16, color=colors[c], alpha=0.85,
                            label=benchmarks[j][1] if i == 0 or not np.isfinite(m[0, j]) else None, zorder=2)
        vals = m[i, cols][np.isfinite(m[i, cols])]
        if len(vals):
            ax2.errorbar(vals.mean(), row, xerr=vals.std() if len(vals) > 1 else 0, fmt="D", color="black",
                         ms=6, capsize=4, zorder=3, label="mean +- std" if i == 0 else None)
            ax2.text(1.02, row, f"{vals.mean():.2f}+-{vals.std():.2f} ({len(vals)})", va="center", fontsize=8,
                     transform=ax2.get_yaxis_transform())
    ax2.set_yticks(range(len(methods)), [_display(x) for x in reversed(methods)], fontsize=10)
    ax2.axvline(0, color="grey", lw=0.8, ls=":")
    ax2.set_xlim(-1, 1)
    ax2.set_ylim(-0.6, len(methods) - 0.4)
    ax2.set_xlabel("Spearman rho")
    ax2.set_title("per benchmark (points), mean +- std (black; n benchmarks)", fontsize=11)
    handles, labels = ax2.get_legend_handles_labels()
    seen = {}
    for h, lab in zip(handles, labels):
        seen.setdefault(lab, h)
    ax2.legend(seen.values(), seen.keys(), fontsize=7.5, loc="upper center", bbox_to_anchor=(0.45, -0.09), ncol=5,
               frameon=False)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
    plt.close(fig)


def _ranks_best_first(x: np.ndarray) -> np.ndarray:
    """Rank 1 = highest value; ties share their average rank."""
    return require("scipy.stats", "the study").rankdata(-x, method="average")


def rank_scatter(datasets: list[StudyData], rhos: dict[str, float], path: Path, title: str = "") -> None:
    """One panel per benchmark: true rank (x) vs TG-NAS predicted rank (y), 1 = best; failed (disconnected)
    architectures tie at the bottom of the predicted ranks."""
    plt = pyplot()
    panels = [d for d in datasets if d.tgnas is not None and d.spec.role != TRAINING]
    if not panels:
        return
    ncol = min(4, len(panels))
    nrow = int(np.ceil(len(panels) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.1 * ncol, 4.0 * nrow), squeeze=False)
    for ax, d in zip(axes.ravel(), panels):
        tr = _ranks_best_first(d.y)
        pr = _ranks_best_first(rank_last(d.tgnas))
        ax.scatter(tr, pr, s=2 if d.n > 2000 else 6, alpha=0.25 if d.n > 2000 else 0.5, color="tab:blue",
                   rasterized=True, linewidths=0)
        ax.plot([1, d.n], [1, d.n], color="grey", lw=0.8, ls="--")
        ax.set_xlim(0, d.n + 1)
        ax.set_ylim(0, d.n + 1)
        mark = " in-family" if d.spec.role == IN_FAMILY else ""
        ax.set_title(f"{d.spec.label}{mark}  rho={rhos.get(d.spec.key, float('nan')):.3f}  (n={d.n})", fontsize=10)
        ax.set_xlabel("true rank (1 = best)", fontsize=9)
        ax.set_ylabel("TG-NAS predicted rank", fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    fig.suptitle(f"TG-NAS{f' ({title})' if title else ''}: predicted vs true rank (in-family panels say so)",
                 fontsize=12)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
