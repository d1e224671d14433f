"""The study's fusion table: every proxy alone vs fused with TG-NAS (the declared rule of :mod:`tgnas_naslib.fusion`)
on every labelled benchmark, with bootstrap intervals and the cost per architecture, and the arrows figure.

A fused column is computed wherever its proxy column is (stored S or live L, exactly as the study marks the proxy),
on the same architectures, from the proxy's values and the TG-NAS scores of the member that scores the benchmark;
each component is referenced as :mod:`tgnas_naslib.fusion` says (a stored column to its own file, a live column to
stored values of its batch size, else a shipped or cached reference). Nothing here reads a label before the
correlation itself.
"""

from __future__ import annotations

import csv
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..fusion import RULE, FusedProxy, FusionError, fused_name, parse_name
from ..outputs import atomic_path
from .correlation import bootstrap_spearman, cell_rng, interval, kendall, rank_last, spearman
from .data import IN_FAMILY, PROXIES, TRAINING, UNLABELLED, ProxyColumn, StudyData

#: the fused proxies of the study, declared with the rule: TG-NAS with each proxy alone, and with nwot + jacov
FUSED: tuple[tuple[str, ...], ...] = tuple((p,) for p in PROXIES) + (("nwot", "jacov"),)
#: the fused proxy the independence heatmaps show
HEATMAP_FUSED = ("tgnas_nwot",)
#: the methods whose cost the study measures live (NASLib needed): TG-NAS, every proxy, the headline fused proxies
COST_FUSED = ("tgnas_nwot", "tgnas_nwot_jacov")


def _task(data: StudyData) -> str:
    from ..datasets.catalog import CATALOG

    return CATALOG[data.spec.primary].task


def add_fused_columns(data: StudyData, model, log=print) -> list[str]:
    """Put every fused column the benchmark's proxy columns allow into ``data.fused`` (same archs, same mark);
    returns one line per fused proxy that could not be computed (no reference)."""
    if data.tgnas is None or data.spec.role in (TRAINING, UNLABELLED):
        return []
    notes = []
    for proxies in FUSED:
        cols = [data.columns.get(p) for p in proxies]
        if any(c is None for c in cols):
            continue
        name = fused_name(proxies)
        mask = np.logical_and.reduce([c.mask for c in cols])
        if mask.sum() < 3:
            continue
        kinds = {c.kind for c in cols}
        batches = {c.batch for c in cols}
        fp = FusedProxy(name, model)
        stored = {p: c.benchmark for p, c in zip(proxies, cols) if c.kind == "stored"}
        try:
            values = fp.fuse(None, data.space, _task(data), {p: c.values[mask] for p, c in zip(proxies, cols)},
                             batch_size=cols[0].batch, tgnas=data.tgnas[mask], stored=stored)
        except FusionError as exc:
            notes.append(f"{data.spec.label}: {name} not computed ({exc})")
            continue
        full = np.full(data.n, np.nan)
        full[mask] = values
        refs = fp.references(data.space, _task(data), cols[0].batch, stored)
        source = "; ".join(f"{k}: {r.origin}" for k, r in refs.items())
        data.fused[name] = ProxyColumn(full, mask, source, np.full(data.n, np.nan),
                                       kind="live" if "live" in kinds else "stored",
                                       batch=batches.pop() if len(batches) == 1 else None)
    return notes


@dataclass
class FusionRow:
    """One (benchmark, fused proxy) row: the proxy alone, TG-NAS alone and fused, on the same archs."""

    benchmark: str
    label: str
    role: str
    fused: str
    proxies: str
    mark: str  # S / L (bs) as the proxy's cells
    n: int
    alone: float  # the proxy's rho (the better part's for two proxies)
    alone_lo: float
    alone_hi: float
    tgnas: float
    fused_rho: float
    fused_lo: float
    fused_hi: float
    fused_kendall: float
    gain_lo: float  # 95% paired bootstrap interval of fused - alone
    gain_hi: float
    vs_better_part: float  # fused - max(alone, TG-NAS)
    vs_better_lo: float
    vs_better_hi: float
    scored_by: str
    references: str = ""
    cost: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        row = asdict(self)
        cost = row.pop("cost")
        return {**row, **{f"cost_{k}": v for k, v in cost.items()}}


def _ci(boot: np.ndarray | None, k: int, minus: int | None = None) -> tuple[float, float]:
    """95% interval of bootstrap row ``k`` (minus row ``minus``: a paired difference); NaN without a bootstrap."""
    if boot is None:
        return float("nan"), float("nan")
    return interval(boot[k] - (boot[minus] if minus is not None else 0.0))


def fusion_rows(data: StudyData, model, n_boot: int, seed: int) -> list[FusionRow]:
    """The rows of one benchmark (paired bootstrap: the proxy alone, TG-NAS and fused share the resamples; for two
    proxies "alone" is the better of them on these archs)."""
    rows = []
    d = model.describe(data.space)
    scored_by = f"{d['member']} ({d['evaluation']})"
    for name, col in data.fused.items():
        parts = parse_name(name)
        m = col.mask
        y = data.y[m]
        alones = [rank_last(data.columns[p].values[m]) for p in parts]
        rhos = np.array([spearman(a, y) for a in alones])
        alone = alones[int(np.nanargmax(rhos))] if np.isfinite(rhos).any() else alones[0]
        tg, fused = rank_last(data.tgnas[m]), rank_last(col.values[m])
        r_alone, r_tg, r_fused = spearman(alone, y), spearman(tg, y), spearman(fused, y)
        better = 0 if np.nan_to_num(r_alone, nan=-9) >= np.nan_to_num(r_tg, nan=-9) else 1
        boot = None
        if n_boot > 0:
            boot = bootstrap_spearman([alone, tg, fused], y, n_boot,
                                      cell_rng(seed, data.spec.key, name, f"{zlib.crc32(m.tobytes())}"))

        mark = col.tag + (f" bs{col.batch}" if col.kind == "live" and col.batch else "")
        rows.append(FusionRow(
            data.spec.key, data.spec.label, data.spec.role, name, "+".join(parts), mark, int(m.sum()),
            r_alone, *_ci(boot, 0), r_tg, r_fused, *_ci(boot, 2), kendall(fused, y), *_ci(boot, 2, 0),
            r_fused - max(np.nan_to_num(r_alone, nan=-9), np.nan_to_num(r_tg, nan=-9)), *_ci(boot, 2, better),
            scored_by, col.source))
    return rows


# ----------------------------------------------------------------------------------------------------------------
# cost per architecture
# ----------------------------------------------------------------------------------------------------------------
def measure_costs(datasets: list[StudyData], k: int, seed: int, batch: int | None, data_dir, log=print
                  ) -> dict[str, dict[str, dict]]:
    """Forward / backward passes and seconds per arch of TG-NAS, every proxy and the headline fused proxies
    (:data:`COST_FUSED`), measured through NASLib on ``k`` seeded archs (the live sample's first) of each CIFAR-10
    benchmark (NB201, NB301, NB101) at its live batch size; ``{space: {method: {forward, backward, seconds, ...}}}``."""
    from ..naslib.fused import measure_cost
    from . import live

    out: dict[str, dict[str, dict]] = {}
    for d in datasets:
        target = live.naslib_target(d.spec.key)
        if target is None or target[1] != "cifar10" or d.space in out or k < 1:
            continue
        bs = batch or live.DEFAULT_BATCH.get(d.spec.key, live.NASLIB_BATCH)
        t = time.time()
        rows = measure_cost(d.space, "cifar10", live.sample_archs(d, k, seed), ["tgnas", *PROXIES, *COST_FUSED],
                            bs, seed, data_dir)
        out[d.space] = {r["method"]: r for r in rows}
        log(f"  cost measured on {d.spec.label}: {k} archs, batch {bs} ({time.time() - t:.0f} s)")
    return out


def attach_costs(rows: list[FusionRow], spaces: dict[str, str], costs: dict[str, dict[str, dict]]) -> None:
    """Each row's cost per arch: passes and seconds of the proxy alone, TG-NAS and the fused proxy (measured for
    :data:`COST_FUSED`, else the sum of TG-NAS and its proxies), from the benchmark's space where measured (NB201's
    three datasets share the CIFAR-10 measurement)."""
    for r in rows:
        c = costs.get(spaces[r.benchmark])
        if not c:
            continue
        parts = [c[p] for p in parse_name(r.fused)]
        f = c.get(r.fused)
        how = "measured" if f is not None else "sum of parts"
        if f is None:
            f = {k: c["tgnas"][k] + sum(p[k] for p in parts) for k in ("forward", "backward", "seconds")}
        r.cost = {"alone_passes": "+".join(f"{p['forward']:g}f/{p['backward']:g}b" for p in parts),
                  "alone_s": sum(p["seconds"] for p in parts), "tgnas_s": c["tgnas"]["seconds"],
                  "fused_passes": f"{f['forward']:g}f/{f['backward']:g}b", "fused_s": f["seconds"], "fused_how": how,
                  "measured_on": f"{spaces[r.benchmark]} ({c['tgnas']['n_archs']} archs, batch "
                                 f"{c['tgnas']['batch_size']}, {c['tgnas']['threads']} threads)"}


def cost_table(costs: dict[str, dict[str, dict]]) -> str:
    """Markdown: per measured space, every method's passes and seconds per arch."""
    if not costs:
        return ""
    spaces = list(costs)
    lines = ["| method | forward / backward passes per arch | " + " | ".join(f"s/arch {s}" for s in spaces) + " |",
             "|---|---|" + "---|" * len(spaces)]
    methods = list(next(iter(costs.values())))
    for m in methods:
        first = next(c[m] for c in costs.values() if m in c)
        lines.append(f"| {'TG-NAS' if m == 'tgnas' else m} | {first['forward']:g} / {first['backward']:g} | "
                     + " | ".join(f"{c[m]['seconds']:.3g}" if m in c else "-" for c in costs.values()) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------------
# outputs
# ----------------------------------------------------------------------------------------------------------------
def write_csv(rows: list[FusionRow], path: Path) -> None:
    """fusion.csv: every row with its intervals, references and cost."""
    dicts = [r.as_row() for r in rows]
    keys = list(dict.fromkeys(k for d in dicts for k in d))
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        for d in dicts:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) and np.isfinite(v) else "" if isinstance(v, float)
                            else v) for k, v in d.items()})


def _f(x: float) -> str:
    return f"{x:.3f}".replace("0.", ".", 1) if np.isfinite(x) else "-"


def matrix(rows: list[FusionRow], benchmarks: list[tuple[str, str, str]]) -> str:
    """Markdown: fused proxies x benchmarks, each cell ``alone -> fused (mark, n)``; TG-NAS alone in the first row."""
    by = {(r.benchmark, r.fused): r for r in rows}
    keys = [(k, lab, role) for k, lab, role in benchmarks if any(r.benchmark == k for r in rows)]
    heads = [lab + (" (in-family)" if role == IN_FAMILY else "") for _, lab, role in keys]
    lines = ["| proxy: alone -> fused with TG-NAS | " + " | ".join(heads) + " |", "|---|" + "---|" * len(keys)]
    tg = []
    for k, _, _ in keys:
        r = next((r for r in rows if r.benchmark == k and r.n == max(x.n for x in rows if x.benchmark == k)), None)
        tg.append(f"{_f(r.tgnas)} (n={r.n})" if r else "-")
    lines.append("| TG-NAS alone (largest proxy set) | " + " | ".join(tg) + " |")
    for name in dict.fromkeys(r.fused for r in rows):
        cells = []
        for k, _, _ in keys:
            r = by.get((k, name))
            cells.append("no data" if r is None else
                         f"{_f(r.alone)} -> **{_f(r.fused_rho)}** ({r.mark}, n={r.n})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def detail(rows: list[FusionRow]) -> str:
    """Markdown: one line per row with the intervals, the gain over the better part and the cost."""
    lines = ["| benchmark | fused | mark | n | alone [95% CI] | TG-NAS | fused [95% CI] | fused - alone [CI] | "
             "fused - better part [CI] | passes alone / fused | s/arch alone / TG-NAS / fused |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r.cost
        cost = (f"{c['alone_passes']} / {c['fused_passes']}{' (sum)' if c['fused_how'] != 'measured' else ''}",
                f"{c['alone_s']:.3g} / {c['tgnas_s']:.2g} / {c['fused_s']:.3g}") if c else ("-", "-")
        lines.append(f"| {r.label} | {r.fused} | {r.mark} | {r.n} | {_f(r.alone)} [{_f(r.alone_lo)}, "
                     f"{_f(r.alone_hi)}] | {_f(r.tgnas)} | {_f(r.fused_rho)} [{_f(r.fused_lo)}, {_f(r.fused_hi)}] | "
                     f"{r.fused_rho - r.alone:+.3f} [{r.gain_lo:+.3f}, {r.gain_hi:+.3f}] | "
                     f"{r.vs_better_part:+.3f} [{r.vs_better_lo:+.3f}, {r.vs_better_hi:+.3f}] | {cost[0]} | "
                     f"{cost[1]} |")
    return "\n".join(lines)


def page(header: list[str], rows: list[FusionRow], benchmarks: list[tuple[str, str, str]], costs: dict,
         notes: list[str], n_boot: int, seed: int) -> str:
    """fusion.md: the rule, the matrix, the details, the cost table and the references used."""
    return ("# TG-NAS fused with live proxies: each proxy alone vs fused\n\n" + "\n".join(header) + "\n\n"
            f"Rule: {RULE}.\n\n" + matrix(rows, benchmarks) + "\n\n"
            f"Cells: Spearman rho with the benchmark's labels on the archs where the proxy has values (S stored, L "
            f"live with its batch size), failed values ranked last; 95% bootstrap intervals ({n_boot} resamples, "
            f"seed {seed}; alone, TG-NAS and fused share the resamples).\n\n" + detail(rows) + "\n\n"
            + (("## Cost per architecture (this machine)\n\n" + cost_table(costs) + "\n\n") if costs else
               "Cost per architecture: measured only with live proxies (--live-proxies N, NASLib).\n\n")
            + ("\n".join(f"- {n}" for n in notes) + "\n" if notes else ""))


def arrows_figure(rows: list[FusionRow], benchmarks: list[tuple[str, str, str]], path: Path) -> None:
    """One panel per benchmark: an arrow per proxy from its rho alone to its rho fused with TG-NAS; TG-NAS alone
    dashed."""
    from .plots import pyplot

    plt = pyplot()
    keys = [(k, lab) for k, lab, _ in benchmarks if any(r.benchmark == k for r in rows)]
    if not keys:
        return
    ncol = min(4, len(keys))
    nrow = int(np.ceil(len(keys) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.5 * nrow), squeeze=False)
    for ax, (k, lab) in zip(axes.ravel(), keys):
        rs = [r for r in rows if r.benchmark == k and np.isfinite(r.alone) and np.isfinite(r.fused_rho)]
        for i, r in enumerate(rs):
            up = r.fused_rho >= r.alone
            ax.annotate("", xy=(i, r.fused_rho), xytext=(i, r.alone),
                        arrowprops=dict(arrowstyle="->", color="tab:green" if up else "tab:red", lw=1.6,
                                        shrinkA=0, shrinkB=0))
            ax.plot(i, r.alone, "o", color="grey", ms=3)
        widest = max(rs, key=lambda r: r.n, default=None)  # TG-NAS on the largest proxy set, as the matrix
        if widest is not None and np.isfinite(widest.tgnas):
            ax.axhline(widest.tgnas, color="tab:blue", ls="--", lw=1, label=f"TG-NAS alone (n={widest.n})")
        ax.set_xticks(range(len(rs)), [r.proxies + (f" ({r.mark})" if r.mark != "S" else "") for r in rs],
                      rotation=60, ha="right", fontsize=7)
        ax.set_ylim(-0.7, 1.0)
        ax.axhline(0, color="grey", lw=0.5, ls=":")
        ax.set_title(lab, fontsize=10)
        ax.set_ylabel("Spearman rho", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
    axes.ravel()[0].legend(fontsize=7, loc="lower left")
    for ax in axes.ravel()[len(keys):]:
        ax.axis("off")
    fig.suptitle("rho alone (grey dot) -> fused with TG-NAS (arrow head), one arrow per proxy", fontsize=12)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
