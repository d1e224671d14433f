"""``run_study``: the whole proxy study in one call (correlation table, Figure 3, independence heatmaps, rank
scatter, timing, optional live proxies), writing everything under one output folder."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from . import heatmap, plots, table, timing
from .data import SPECS, TGNAS, TRAINING, assemble, select_specs
from .live import compute_live, naslib_status

NB201_HEATMAP_KEYS = ("nb201_cifar10", "nb201_cifar100", "nb201_ImageNet16-120")


class _Log:
    """Print and remember every line (the run's report is also written to ``report.txt``)."""

    def __init__(self, echo: bool = True) -> None:
        self.lines: list[str] = []
        self.echo = echo

    def __call__(self, *parts) -> None:
        text = " ".join(str(p) for p in parts)
        self.lines.append(text)
        if self.echo:
            print(text, flush=True)


def _model_lines(model) -> list[str]:
    card = model.card or {}
    trained = model.meta.get("trained_on", {})
    td = card.get("training_data", {})
    name = card.get("name", "tgnas_nb101")
    return [f"TG-NAS model: the shipped checkpoint ({name}, ensemble of {model.n_members})",
            f"  trained on: {td.get('file', trained.get('file'))} - {td.get('n_archs', trained.get('n_archs'))} "
            f"{trained.get('space', '?')} {trained.get('task', '')} archs ({td.get('n_distinct_pruned_graphs', '?')} "
            f"distinct pruned graphs), label {trained.get('label', 'val_accuracy')}",
            f"  selection data: {card.get('selection_data', '?')}"]


def run_study(out: str | Path, data_dir: str | Path | None = None, n_boot: int = 1000, seed: int = 0,
              live: int = 0, device: str = "cpu", benchmarks: list[str] | None = None, heatmap_n: int = 1000,
              live_batch: int = 64, timing_archs: int | None = None, echo: bool = True) -> dict:
    """Run the study; return a summary dict (also written to ``summary.json``).

    ``benchmarks``: study keys to restrict to (default all 12); ``timing_archs``: time TG-NAS on at most this
    many archs per space (default: all 15,625 of NB201, 4,096 elsewhere)."""
    from ..api import TGNAS as TGNASModel

    log = _Log(echo)
    t_start = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    specs = select_specs(benchmarks)
    model = TGNASModel.pretrained(device)
    for line in _model_lines(model):
        log(line)

    # 1. data + TG-NAS scores ------------------------------------------------------------------------------------
    datasets = []
    for spec in specs:
        t = time.time()
        d = assemble(spec, data_dir)
        if spec.role != TRAINING:
            d.tgnas = model.score(d.archs, space=d.space)
        datasets.append(d)
        cols = ", ".join(f"{p} {c.n}" for p, c in d.columns.items())
        log(f"[{spec.label}] {d.n} archs from {' + '.join(d.sources)} ({time.time() - t:.1f} s); "
            f"proxies: {cols or '-'}")
        for w in d.warnings:
            log(f"  warning: {w}")

    # 2. correlation table ---------------------------------------------------------------------------------------
    t = time.time()
    cells = []
    for d in datasets:
        cells += table.benchmark_cells(d, n_boot, seed, model.card)
    bench_cols = [(d.spec.key, d.spec.label, d.spec.role) for d in datasets]
    summ = table.summary(cells, bench_cols)
    table.write_csv(cells, out / "correlations.csv")
    md = table.markdown(cells, bench_cols, summ)
    notes = [f"- {d.spec.label}: {d.spec.note}; sources: {' + '.join(d.sources)}" for d in datasets]
    (out / "correlations.md").write_text(
        "# Spearman rho with ground truth: TG-NAS (shipped model) and the 13 NAS-Bench-Suite-Zero proxies\n\n"
        + "\n".join(_model_lines(model)) + "\n\n" + md + "\n\n"
        "Cells: Spearman rho (n = architectures it was computed on; failed proxy values, -1e8/NaN, are kept and "
        "ranked last as NASLib does, their count shown). \"no data\": the proxy has no values for this benchmark. "
        f"mean/std/mean rank over the benchmarks other than the training space (NB101); 95% bootstrap intervals "
        f"({n_boot} resamples, seed {seed}) and Kendall tau / NASLib precision@10/20 / P@top-10%/20% are in "
        "correlations.csv.\n\nData per benchmark:\n" + "\n".join(notes) + "\n")
    plots.figure3(cells, [TGNAS] + sorted(table.PROXIES, key=lambda p: -np.nan_to_num(summ[p]["mean"], nan=-9)),
                  bench_cols, out / "figure3_proxies_x_benchmarks.png")
    log(f"correlation table: {len(cells)} cells, bootstrap {n_boot} ({time.time() - t:.1f} s)")

    # 3. rank scatter --------------------------------------------------------------------------------------------
    rhos = {c.benchmark: c.spearman for c in cells if c.method == TGNAS}
    plots.rank_scatter(datasets, rhos, out / "rank_scatter_tgnas.png")

    # 4. proxy independence heatmaps -----------------------------------------------------------------------------
    by_key = {d.spec.key: d for d in datasets}
    heat = {}
    order = None
    log("")
    log("Proxy independence (Spearman between proxies on the same NB201 archs):")
    for key in NB201_HEATMAP_KEYS:
        if key not in by_key:
            continue
        ind = heatmap.independence(by_key[key], heatmap_n, seed)
        if order is None:  # one order for every heatmap (the first one's dendrogram), so they compare
            order = [ind.names[i] for i in ind.order]
        tag = key.replace("nb201_", "")
        heatmap.write_csv(ind, out / f"heatmap_proxies_nb201_{tag}.csv")
        heatmap.plot(ind, out / f"heatmap_proxies_nb201_{tag}.png", order)
        log(heatmap.describe(ind))
        heat[key] = {"n": ind.n, "note": ind.note, "clusters": ind.clusters, "tgnas_nearest": ind.nearest()}

    # 5. live proxies (optional) ---------------------------------------------------------------------------------
    live_rows = []
    if live > 0:
        reason = naslib_status()
        if reason:
            log(f"live proxies need NASLib (import tgnas_naslib.naslib failed: {reason}); skipped")
        else:
            base = by_key.get("nb201_cifar10") or assemble(SPECS[0], data_dir)
            live_rows = compute_live(base, live, out, seed=seed, batch_size=live_batch, device=device,
                                     data_dir=data_dir, log=log)
            with open(out / "live_proxies.csv", "w") as fh:
                fh.write("proxy,n,n_failed,median_s,rho_vs_stored,rho_vs_val_acc,source\n")
                for r in live_rows:
                    fh.write(f"{r['proxy']},{r['n']},{r['n_failed']},{np.median(r['times']):.4f},"
                             f"{r['rho_vs_stored']:.4f},{r['rho_vs_val_acc']:.4f},{r['source']}\n")
            log(f"live proxies ({live_rows[0]['source']}): rank agreement with the stored values / with val acc:")
            for r in live_rows:
                err = f"  errors: {r['errors']}" if r["errors"] else ""
                log(f"  {r['proxy']:<9} {np.median(r['times']):7.3f} s/arch  rho vs stored {r['rho_vs_stored']:+.3f}"
                    f"  vs val acc {r['rho_vs_val_acc']:+.3f}  failed {r['n_failed']}{err}")

    # 6. timing --------------------------------------------------------------------------------------------------
    t = time.time()
    spaces = {d.space for d in datasets} | {"nasbench201"}
    tg = {}
    for space in sorted(spaces, key=lambda s: s != "nasbench201"):
        try:
            archs = timing.tgnas_archs_for(space, data_dir)
            # NB201 (the headline) whole and median of 3; elsewhere the first 4,096 archs once (time is linear in n)
            if space == "nasbench201":
                tg[space] = timing.time_tgnas(model, archs[:timing_archs] if timing_archs else archs, space, 3)
            else:
                tg[space] = timing.time_tgnas(model, archs[:min(4096, timing_archs or 4096)], space, 1)
        except FileNotFoundError as exc:
            log(f"  timing: TG-NAS on {space} skipped ({str(exc).splitlines()[0]})")
    stored = timing.stored_times(spaces, data_dir, log)
    rows = timing.ratio_rows(stored, tg, live_rows)
    with open(out / "timing.csv", "w") as fh:
        names = list(rows[0].as_row()) if rows else []
        fh.write(",".join(names) + "\n")
        for r in rows:
            fh.write(",".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in r.as_row().values()) + "\n")
    timing_text = timing.format_table(rows, tg)
    log("")
    log(timing_text)
    log(f"(timing took {time.time() - t:.1f} s)")

    # 7. the main table ------------------------------------------------------------------------------------------
    log("")
    log("Spearman rho with ground truth (n = archs; failed proxy values ranked last, as NASLib does):")
    log(md)
    log("")
    for line in table.best_proxy_lines(cells, bench_cols):
        log(line)
    zero = [k for k, _, role in bench_cols if role != TRAINING]
    s = summ[TGNAS]
    if zero:
        log(f"TG-NAS mean rank over {len(s['ranks'])} benchmarks (not NB101): {s['mean_rank']:.2f} "
            f"(ranks {', '.join(f'{r}/{k}' for r, k in s['ranks'])}); mean rho {s['mean']:.3f}")
    log("diff = TG-NAS rho - best proxy rho on the best proxy's archs, 95% paired bootstrap interval.")
    for line in _model_lines(model)[1:]:
        log(line)
    log(f"outputs in {out}/ ; study took {time.time() - t_start:.0f} s")
    (out / "report.txt").write_text("\n".join(log.lines) + "\n")
    result = {"model": model.meta.get("trained_on"), "card_selection": (model.card or {}).get("selection_data"),
              "benchmarks": [{"key": d.spec.key, "n": d.n, "sources": d.sources, "role": d.spec.role,
                              "note": d.spec.note} for d in datasets],
              "summary": {m: {k: v for k, v in s.items()} for m, s in summ.items()},
              "heatmaps": heat, "timing": [r.as_row() for r in rows],
              "tgnas_timing": {k: {kk: vv for kk, vv in v.items()} for k, v in tg.items()},
              "bootstrap": n_boot, "seed": seed, "seconds": time.time() - t_start}
    (out / "summary.json").write_text(json.dumps(result, indent=1, default=float))
    return result
