"""``run_study``: the whole proxy study in one call (optional live proxies on Ray or in-process, correlation table,
Figure 3, independence heatmaps, rank scatter, timing), writing everything under one output folder."""

from __future__ import annotations

import csv
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import Interrupted
from ..outputs import atomic_path, output_dir, write_text
from . import fused, heatmap, live, plots, projection, table, timing
from .data import (
    IN_FAMILY,
    NOT_ZERO_SHOT,
    ROLE_NOTES,
    TGNAS,
    TRAINING,
    UNLABELLED,
    VALIDATION,
    StudyData,
    StudySpec,
    assemble,
    select_specs,
)
from .engine import EngineReport, Task, run_tasks

NB201_HEATMAP_KEYS = ("nb201_cifar10", "nb201_cifar100", "nb201_ImageNet16-120")
#: a heatmap on fewer archs says nothing (every Spearman is +-1 or undefined)
MIN_HEATMAP_ARCHS = 5


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


def _model_lines(model, label: str) -> list[str]:
    """Which checkpoint made the TG-NAS scores and what trained it (one model; a bundle's member)."""
    card = model.card or {}
    trained = model.meta.get("trained_on", {})
    name = card.get("name", model.name)
    families = card.get("training_families") or trained.get("families")
    if families and trained.get("sources"):  # a universal-recipe model: its families and benchmarks
        benches = ", ".join(f"{s['benchmark']} ({s['n_samples']})" for s in trained.get("sources", []))
        return [f"TG-NAS model: {label} ({name}, ensemble of {model.n_members})",
                f"  trained on families {', '.join(families)}: {benches}; never on "
                f"{', '.join(card.get('never_trained_on') or []) or '-'}",
                f"  selection: {card.get('selection', '?')}"]
    td = card.get("training_data", {})
    return [f"TG-NAS model: {label} ({name}, ensemble of {model.n_members})",
            f"  trained on: {td.get('file', trained.get('file'))} - {td.get('n_archs', trained.get('n_archs'))} "
            f"{trained.get('space', '?')} {trained.get('task', '')} archs ({td.get('n_distinct_pruned_graphs', '?')} "
            f"distinct pruned graphs), label {trained.get('label', 'val_accuracy')}",
            f"  selection data: {card.get('selection_data', '?')}"]


def _validation_families(card: dict) -> set[str]:
    """The families whose labels chose a model's recipe without training it (the ``nb101`` models: NB301)."""
    if "validation_families" in card:
        return set(card["validation_families"])
    return {"nb301"} if "NAS-Bench-301" in str(card.get("selection_data", "")) else set()


def _roles(specs: list[StudySpec], model) -> list[StudySpec]:
    """Each benchmark's role for the member that scores it: zero-shot, or the validation family of its selection,
    where that member never trained on the benchmark's family; the training space (card CV) or ``in-family`` where it
    did. The role's meaning is added to the benchmark's data note (``ROLE_NOTES``), so the note says what the number
    is."""
    from dataclasses import replace

    from ..bundle import space_family

    out = []
    for spec in specs:
        if spec.role == UNLABELLED:
            out.append(spec)
            continue
        space = _spec_space(spec)
        scorer = model.scoring_model(space)
        if model.evaluation(space) == "zero-shot":
            role = VALIDATION if space_family(space) in _validation_families(scorer.card or {}) else spec.role
        elif (scorer.card or {}).get("nb101_grouped_cv") and space == "nasbench101":
            role = TRAINING
        else:
            role = IN_FAMILY
        meaning = ROLE_NOTES.get(role)
        out.append(replace(spec, role=role, note=f"{spec.note}; {meaning}" if meaning else spec.note))
    return out


def _spec_space(spec: StudySpec) -> str:
    """The (canonical) search space of a study benchmark's architectures."""
    from ..datasets.catalog import CATALOG

    return CATALOG[spec.primary].space


#: the most bootstrap resamples: more changes an interval by far less than its width, and memory grows with them
MAX_BOOTSTRAP = 100_000


@dataclass
class LiveOptions:
    """How to compute live proxies: ``n`` archs per image benchmark (0 = off), ``n_tnb`` per TNB101 benchmark
    (default ``n``), the engine ('ray' | 'local'), its workers / cluster address, batch size (default: per benchmark,
    that of its stored values), how many archs the headline timing uses, which proxies only (``only``) and how many
    archs the fusion cost uses."""

    n: int = 0
    n_tnb: int | None = None
    engine: str = "ray"
    workers: int | None = None
    address: str | None = None
    batch: int | None = None
    timing_archs: int = 10
    progress: bool = True
    #: compute only these proxies live (None: all that the benchmark's live path has); ``--live-names``
    only: tuple[str, ...] | None = None
    #: archs per image benchmark on which the fusion table's cost per arch is measured (0: not measured)
    fusion_cost_archs: int = 3

    @property
    def requested(self) -> bool:
        """Whether any live proxy is asked for."""
        return self.n > 0 or (self.n_tnb or 0) > 0

    def check(self) -> None:
        """One line naming the first option out of range (the CLI's option names)."""
        from .. import checks
        from .engine import ENGINES, EngineError

        checks.integer("--live-proxies", self.n, 0)
        checks.integer("--timing-live-archs", self.timing_archs, 0)
        checks.integer("--fusion-cost-archs", self.fusion_cost_archs, 0)
        if self.n_tnb is not None:
            checks.integer("--live-tnb", self.n_tnb, 0)
        if self.batch is not None:
            checks.integer("--live-batch", self.batch, 1)
        if self.engine not in ENGINES:
            raise checks.ArgumentError(f"--engine {self.engine!r}: choose from {', '.join(ENGINES)}")
        if self.engine == "local" and (self.address or self.workers):
            raise EngineError("--ray-address / --workers need --engine ray")
        if self.workers is not None:
            checks.integer("--workers", self.workers, 1, os.cpu_count() or 1)


def _live(datasets: list[StudyData], opts: LiveOptions, out: Path, seed: int, device: str, data_dir,
          log: _Log) -> tuple[list[live.LivePlan], list[dict], EngineReport | None]:
    """Plan, compute (engine) and attach the live proxies of every benchmark; report them."""
    reason = live.naslib_status()
    if reason:
        log(f"live proxies need NASLib (import tgnas_naslib.naslib failed: {reason}); skipped")
        return [], [], None
    plans, tasks, caches = [], [], {}
    log("")
    log(f"Live proxies (NASLib ZeroCost; engine {opts.engine}):")
    for d in datasets:
        n = opts.n_tnb if opts.n_tnb is not None and d.space.startswith("transbench101") else opts.n
        if n <= 0:
            continue
        p = live.plan(d, n, seed, opts.batch, device, data_dir, opts.only)
        if isinstance(p, str):
            log(f"  {p}")
            continue
        cache = caches[p.spec.cache_name] = live.cache_for(p, out)
        todo = live.tasks_for(p, cache)
        for note in p.notes:
            log(f"  {note}")
        n_todo = sum(len(t.proxies) for t in todo)
        log(f"  {d.spec.label}: {len(p.archs)} archs x {len(p.proxies)} proxies ({', '.join(p.proxies)}), "
            f"{p.spec.label}: {len(p.archs) * len(p.proxies) - n_todo} cached, {n_todo} to compute")
        plans.append(p)
        tasks += todo
    report = run_tasks(tasks, live.compute_task, caches, engine=opts.engine, workers=opts.workers,
                       address=opts.address, gpus_per_task=1.0 if device.startswith("cuda") else 0.0,
                       progress=opts.progress, log=log)
    log(f"  computed: {report.line()}")
    rows = []
    for p in plans:
        rows += live.attach(p, caches[p.spec.cache_name])
    names = ("benchmark", "proxy", "n", "n_failed", "rho_vs_stored", "stored", "rho_vs_val_acc", "column", "source")
    _write_rows(out / "live_proxies.csv", [{**{k: r[k] for k in names}, "median_s": float(np.median(r["times"]))}
                                           for r in rows])
    log("  per proxy: median s/arch (in its worker); rank agreement with the stored values on the same archs; "
        "with the labels:")
    for r in rows:
        err = f"  errors: {r['errors']}" if r["errors"] else ""
        vs = (f"rho vs stored {r['rho_vs_stored']:+.3f} ({r['stored']})" if r["stored"] else
              "new live column" if r["column"] == "live" else "stored column kept (too few shared archs for a rho)")
        log(f"  {r['benchmark']:<26} {r['proxy']:<9} n={r['n']:<4} {np.median(r['times']):7.3f} s  {vs}  "
            f"vs labels {r['rho_vs_val_acc']:+.3f}  failed {r['n_failed']}{err}")
    return plans, rows, report


def _timing_headline(model, plans: list[live.LivePlan], k: int, stored: list[dict]) -> list:
    """The side-by-side timing on the first ``k`` live archs of NB201 CIFAR-10 (else the first live benchmark)."""
    if not plans or k < 1:
        return []
    p = next((q for q in plans if q.spec.key == "nb201_cifar10"), plans[0])
    archs = p.archs[:k]
    return timing.side_by_side(model, archs, p.data.space, p.proxies, live.compute_task,
                               lambda a, proxies: Task(p.spec.cache_name, a, proxies, p.spec), stored)


def run_study(out: str | Path, data_dir: str | Path | None = None, n_boot: int = 1000, seed: int = 0,
              live_opts: LiveOptions | None = None, device: str = "cpu", benchmarks: list[str] | None = None,
              heatmap_n: int = 1000, timing_archs: int | None = None, echo: bool = True,
              checkpoint: str | Path | None = None, in_family: bool = False) -> dict:
    """Run the study; return a summary dict (also written to ``summary.json``).

    ``benchmarks``: study keys to restrict to (default all 13); ``live_opts``: live proxies (default off);
    ``timing_archs``: time TG-NAS on at most this many archs per space (default: all 15,625 of NB201, 4,096
    elsewhere); ``checkpoint``: the TG-NAS model (default: the ``universal`` bundle, whose members score every
    labelled benchmark zero-shot); ``in_family``: score with the bundle's all-family member instead (in-family
    numbers, marked so and left out of every mean)."""
    opts = live_opts or LiveOptions()
    from ..api import TGNAS as TGNASModel

    specs = _check_arguments(opts, n_boot, seed, heatmap_n, timing_archs, device, benchmarks, data_dir)
    model = TGNASModel.pretrained(checkpoint, device=device, in_family=in_family)  # a bad name: refused here too
    out = output_dir(out, "--out")  # after every other argument, before any work: refused, never half-done
    try:
        return _run(out, data_dir, n_boot, seed, opts, device, specs, heatmap_n, timing_archs, echo, model,
                    in_family)
    except KeyboardInterrupt:
        kept = (f"the live proxies computed so far are cached in {out / 'live_cache'}: the same command resumes "
                "from them" if opts.requested else "nothing to resume (no live proxies)")
        raise Interrupted(f"{kept}; report.txt and summary.json are written last, the other files of {out} are "
                          "whole but may be from an earlier run") from None


def _check_arguments(opts: LiveOptions, n_boot: int, seed: int, heatmap_n: int, timing_archs: int | None,
                     device: str, benchmarks: list[str] | None, data_dir) -> list[StudySpec]:
    """Every argument of :func:`run_study` checked before anything is created or computed (one line naming the
    first problem, with the CLI's option names; a data file the chosen benchmarks read included); returns the
    selected benchmarks."""
    from .. import checks
    from ..datasets.catalog import CATALOG
    from ..device import check_device
    from ..extras import require_extra
    from ..paths import require_file

    checks.integer("--bootstrap", n_boot, 0, MAX_BOOTSTRAP)
    checks.seed("--seed", seed)
    if checks.integer("--heatmap-archs", heatmap_n, 0) < 3:
        raise checks.ArgumentError("--heatmap-archs must be at least 3 (a rank correlation needs 3 architectures)")
    if timing_archs is not None:
        checks.integer("--timing-archs", timing_archs, 1)
    opts.check()
    check_device(device)
    # Ray only for live proxies on the Ray engine: --engine local and a study without live proxies do without it
    require_extra("study", "tgnas study", skip=() if opts.requested and opts.engine == "ray" else ("ray",))
    specs = select_specs(benchmarks)
    for spec in specs:
        for name in filter(None, (spec.primary, *spec.extras)):
            for relpath in CATALOG[name].files:
                require_file(relpath, data_dir)
    return specs


def _run(out: Path, data_dir, n_boot: int, seed: int, opts: LiveOptions, device: str, specs: list[StudySpec],
         heatmap_n: int, timing_archs: int | None, echo: bool, model, in_family: bool) -> dict:
    """The study's phases in order (see :func:`run_study`), with checked arguments and a ready output folder."""
    log = _Log(echo)
    t_start = time.time()
    specs = _roles(specs, model)
    header = _models_header(model, specs)
    for line in header:
        log(line)
    datasets = _score_benchmarks(specs, model, data_dir, log)  # 1. data + TG-NAS scores

    # 2. live proxies (optional): new columns where nothing is stored
    plans, live_rows, engine = [], [], None
    t_live, load_before = time.time(), os.getloadavg()
    if opts.n > 0 or (opts.n_tnb or 0) > 0:
        plans, live_rows, engine = _live(datasets, opts, out, seed, device, data_dir, log)
        log(f"  machine load (1/5/15 min) before {_fmt_load(load_before)}, after {_fmt_load(os.getloadavg())} on "
            f"{os.cpu_count()} cores (others' work included)")
    elif any(d.spec.role == UNLABELLED for d in datasets):
        log("TNB101-macro: nothing stored and no labels; its proxies are live only (--live-proxies N)")
    live_seconds = time.time() - t_live

    corr = _correlations(datasets, model, header, n_boot, seed, out, log)  # 3. correlation table and Figure 3
    fusion = _fusion(corr, model, header, opts, n_boot, seed, data_dir, out, log)  # 3b. the fusion table
    plots.rank_scatter(corr.labelled, {c.benchmark: c.spearman for c in corr.cells if c.method == TGNAS},
                       out / "rank_scatter_tgnas.png",  # 4. rank scatter
                       _scored_by_title(model, datasets))
    heat = _heatmaps(datasets, heatmap_n, seed, out, log)  # 5. proxy independence heatmaps
    timed = _timing(model, datasets, plans, opts.timing_archs, timing_archs, data_dir, out, log)  # 6. timing
    _log_main_table(corr, model, datasets, log)  # 7. the main table
    log(f"outputs in {out}/ ; study took {time.time() - t_start:.0f} s")
    write_text(out / "report.txt", "\n".join(log.lines) + "\n")
    result = {"model": model.name, "in_family": in_family,
              "benchmarks": [{"key": d.spec.key, "n": d.n, "sources": d.sources, "role": d.spec.role,
                              "note": d.spec.note, "scored_by": model.describe(d.space),
                              "columns": {p: {"kind": c.kind, "n": c.n, "batch": c.batch, "source": c.source}
                                          for p, c in d.columns.items()}} for d in datasets],
              "summary": {m: dict(s) for m, s in corr.summary.items()},
              "heatmaps": heat, "fusion": fusion, "timing": [r.as_row() for r in timed.rows],
              "timing_side_by_side": [r.as_row() for r in timed.headline],
              "tgnas_timing": {k: dict(v) for k, v in timed.tgnas.items()},
              "live": {**_live_summary(opts, engine, plans, live_rows, live_seconds),
                       "load_before": list(load_before), "cores": os.cpu_count()},
              "projection": timed.projection,
              "bootstrap": n_boot, "seed": seed, "seconds": time.time() - t_start}
    write_text(out / "summary.json", json.dumps(result, indent=1, default=float))
    return result


def _models_header(model, specs: list[StudySpec]) -> list[str]:
    """The report's and correlations.md's header: which member scores which benchmarks, and which are in-family."""
    members: dict[str, tuple] = {}
    for spec in specs:
        if spec.role == UNLABELLED:
            continue
        space = _spec_space(spec)
        d = model.describe(space)
        how = "training space" if spec.role == TRAINING else d["evaluation"]
        m, by_evaluation = members.setdefault(d["member"], (model.scoring_model(space), {}))
        by_evaluation.setdefault(how, []).append(spec.label)
    lines = [f"TG-NAS scores: model {model.name}"
             + ("" if len(members) == 1 and model.name in members else f", by member ({len(members)} used):")]
    for member, (m, by_evaluation) in members.items():
        where = "; ".join(f"{how} on {', '.join(labels)}" for how, labels in by_evaluation.items())
        lines += _model_lines(m, f"{member} ({where})")
    in_family = [s.label for s in specs if s.role == IN_FAMILY]
    if in_family:
        lines.append(f"  in-family (the scoring member's training saw these designs; shown, never averaged): "
                     f"{', '.join(in_family)}; the default bundle (universal) scores every one of them zero-shot")
    return lines


def _scored_by_title(model, datasets: list[StudyData]) -> str:
    """Which members made a figure's TG-NAS scores, in a few words."""
    members = dict.fromkeys(model.describe(d.space)["member"] for d in datasets if d.tgnas is not None)
    evaluations = {model.evaluation(d.space) for d in datasets if d.tgnas is not None}
    return f"{model.name}: {', '.join(members)} ({'/'.join(sorted(evaluations))})"


def _score_benchmarks(specs: list[StudySpec], model, data_dir, log: _Log) -> list[StudyData]:
    """Load every benchmark's archs, labels and stored proxies, and score it with the member of its space (the
    training space of a cell model is not scored: its number is the model card's CV)."""
    datasets = []
    for spec in specs:
        t = time.time()
        d = assemble(spec, data_dir)
        if spec.role != TRAINING:
            info = model.describe(d.space)
            d.tgnas = model.score(d.archs, space=d.space)
            d.tgnas_source = f"TG-NAS {info['member']} ({info['evaluation']})"
        datasets.append(d)
        cols = ", ".join(f"{p} {c.n}" for p, c in d.columns.items())
        log(f"[{spec.label}] {d.n} archs from {' + '.join(d.sources)} ({time.time() - t:.1f} s); "
            f"proxies: {cols or '-'}")
        for w in d.warnings:
            log(f"  warning: {w}")
    return datasets


@dataclass
class _Correlations:
    """The correlation phase's results: labelled datasets, every cell, the benchmark columns and the summary."""

    labelled: list[StudyData]
    cells: list
    bench_cols: list[tuple[str, str, str]]
    summary: dict
    markdown: str


def _correlations(datasets: list[StudyData], model, header: list[str], n_boot: int, seed: int, out: Path,
                  log: _Log) -> _Correlations:
    """Spearman cells of every method on every labelled benchmark: correlations.csv / .md and Figure 3."""
    t = time.time()
    labelled = [d for d in datasets if d.spec.role != UNLABELLED]
    cells = []
    for d in labelled:
        cells += table.benchmark_cells(d, n_boot, seed, model.scoring_model(d.space).card)
    bench_cols = [(d.spec.key, d.spec.label, d.spec.role) for d in labelled]
    summ = table.summary(cells, bench_cols)
    table.write_csv(cells, out / "correlations.csv")
    md = table.markdown(cells, bench_cols, summ)
    notes = [f"- {d.spec.label}: {d.spec.note}; sources: {' + '.join(d.sources)}"
             + "".join(f"; {p} {c.source} n={c.n}" for p, c in d.columns.items() if c.kind == "live")
             for d in datasets]
    write_text(out / "correlations.md", table.page(header, md, notes, n_boot, seed))
    by_mean = sorted(table.PROXIES + table.ANALYTIC, key=lambda p: -np.nan_to_num(summ[p]["mean"], nan=-9))
    plots.figure3(cells, [TGNAS] + by_mean, bench_cols, out / "figure3_proxies_x_benchmarks.png")
    log(f"correlation table: {len(cells)} cells, bootstrap {n_boot} ({time.time() - t:.1f} s)")
    return _Correlations(labelled, cells, bench_cols, summ, md)


def _fusion(corr: _Correlations, model, header: list[str], opts: LiveOptions, n_boot: int, seed: int,
            data_dir, out: Path, log: _Log) -> dict:
    """The fusion table (every proxy alone vs fused with TG-NAS, study/fused.py): fused columns on every labelled
    benchmark, their rows with intervals, the cost per arch where live proxies ran; fusion.csv / .md, the arrows
    figure, and the matrix in the report."""
    t = time.time()
    notes = [n for d in corr.labelled for n in fused.add_fused_columns(d, model)]
    rows = [r for d in corr.labelled for r in fused.fusion_rows(d, model, n_boot, seed)]
    costs = {}
    if (opts.n > 0 or (opts.n_tnb or 0) > 0) and opts.fusion_cost_archs > 0 and not live.naslib_status():
        costs = fused.measure_costs(corr.labelled, opts.fusion_cost_archs, seed, opts.batch, data_dir, log)
    fused.attach_costs(rows, {d.spec.key: d.space for d in corr.labelled}, costs)
    fused.write_csv(rows, out / "fusion.csv")
    write_text(out / "fusion.md", fused.page(header, rows, corr.bench_cols, costs, notes, n_boot, seed))
    fused.arrows_figure(rows, corr.bench_cols, out / "fusion_arrows.png")
    log("")
    log(f"Fused with TG-NAS ({fused.RULE}); each cell: the proxy alone -> fused, on the same archs:")
    log(fused.matrix(rows, corr.bench_cols))
    if costs:
        log("Cost per architecture (forward / backward passes, seconds; this machine):")
        log(fused.cost_table(costs))
    for n in notes:
        log(f"  {n}")
    log(f"fusion table: {len(rows)} rows ({time.time() - t:.1f} s); fusion.md, fusion.csv, fusion_arrows.png")
    return {"rule": fused.RULE, "rows": [r.as_row() for r in rows], "costs": costs, "notes": notes}


@dataclass
class _Timing:
    """The timing phase's results: stored-GPU ratio rows, the side-by-side headline, TG-NAS times, projection."""

    rows: list
    headline: list
    tgnas: dict
    projection: dict | None


def _timing(model, datasets: list[StudyData], plans: list, headline_archs: int, timing_archs: int | None,
            data_dir, out: Path, log: _Log) -> _Timing:
    """TG-NAS's time per space beside the stored (GPU) proxy times, the live side-by-side headline where live
    proxies ran, and the suite-scale projection (timing.csv, timing_side_by_side.csv)."""
    t = time.time()
    spaces = {d.space for d in datasets} | {"nasbench201"}
    stored = timing.stored_times(spaces, data_dir, log)
    headline = _timing_headline(model, plans, headline_archs, stored)
    log("")
    if headline:
        _write_rows(out / "timing_side_by_side.csv", [r.as_row() for r in headline])
        log(timing.format_side_by_side(headline))
    else:
        log("timing: the side-by-side headline (proxies and TG-NAS in one run, same archs) needs live proxies "
            "(--live-proxies N and NASLib); only the stored-GPU ratios below")
    tg = {}
    for space in sorted(spaces, key=lambda s: s != "nasbench201"):
        try:
            archs = timing.tgnas_archs_for(space, data_dir)
            # NB201 whole and median of 3; elsewhere the first 4,096 archs once (time is linear in n)
            if space == "nasbench201":
                tg[space] = timing.time_tgnas(model, archs[:timing_archs] if timing_archs else archs, space, 3)
            else:
                tg[space] = timing.time_tgnas(model, archs[:min(4096, timing_archs or 4096)], space, 1)
        except FileNotFoundError as exc:
            log(f"  timing: TG-NAS on {space} skipped ({str(exc).splitlines()[0]})")
    rows = timing.ratio_rows(stored, tg, None)
    _write_rows(out / "timing.csv", [r.as_row() for r in rows])
    log("")
    log("Second, labelled: stored NASLib (GPU) proxy times vs TG-NAS on this CPU (different hardware):")
    log(timing.format_table(rows, tg))
    log(f"(timing took {time.time() - t:.1f} s)")
    proj = _projection(plans, out, stored)
    if proj:
        log("")
        log(projection.format_projection(proj))
    return _Timing(rows, headline, tg, proj)


def _log_main_table(corr: _Correlations, model, datasets: list[StudyData], log: _Log) -> None:
    """The report's closing table: rho per method and benchmark, the best proxy per benchmark, TG-NAS's mean rank
    over its zero-shot benchmarks, and which members produced the TG-NAS column."""
    log("")
    log(f"Spearman rho with ground truth ({table.CELL_LEGEND}; failed proxy values ranked last, as NASLib does):")
    log(corr.markdown)
    log("")
    for line in table.best_proxy_lines(corr.cells, corr.bench_cols):
        log(line)
    zero = [k for k, _, role in corr.bench_cols if role not in NOT_ZERO_SHOT]
    s = corr.summary[TGNAS]
    if zero:
        log(f"TG-NAS mean rank over {len(s['ranks'])} zero-shot benchmarks (the TG-NAS rank column without the "
            "training space and in-family benchmarks): "
            f"{s['mean_rank']:.2f} (ranks {', '.join(f'{r} of {k}' for r, k in s['ranks'])}); mean rho {s['mean']:.3f}")
    log("diff = TG-NAS rho - best proxy rho on the best proxy's archs, 95% paired bootstrap interval.")
    log(f"TG-NAS scored by {_scored_by_title(model, datasets)}")
    if not zero:
        log("no zero-shot TG-NAS number here: every benchmark is in-family for this model (the default bundle, "
            "universal, without --in-family, scores every one zero-shot)")


def _projection(plans: list[live.LivePlan], out: Path, stored: list[dict]) -> dict | None:
    """The suite-scale projection from every cached live record of the plans' archs and proxies."""
    if not plans:
        return None
    records = {}
    for p in plans:
        cache = live.cache_for(p, out)
        records[p.spec.key] = [r for a in p.archs for x in p.proxies if (r := cache.get(a, x)) is not None]
    return projection.project(projection.space_costs(records, {p.spec.key: p.data.space for p in plans}, stored))


def _heatmaps(datasets: list[StudyData], heatmap_n: int, seed: int, out: Path, log: _Log) -> dict:
    """Proxy-independence heatmaps: NB201 (three datasets, one shared order) and unlabelled benchmarks with live
    proxies (TNB101-macro)."""
    by_key = {d.spec.key: d for d in datasets}
    heat = {}
    order = None
    log("")
    log("Proxy independence (Spearman between proxies on the same archs; S stored, L live, A analytic):")
    keys = [k for k in NB201_HEATMAP_KEYS if k in by_key]
    keys += [d.spec.key for d in datasets if d.spec.role == UNLABELLED and len(d.columns) >= 2]
    for key in keys:
        d = by_key[key]
        extra = {name: d.fused[name] for name in fused.HEATMAP_FUSED if name in d.fused}
        ind = heatmap.independence(d, heatmap_n, seed, extra=extra)
        if ind.n < MIN_HEATMAP_ARCHS:
            log(f"{d.spec.label}: only {ind.n} archs have every proxy (< {MIN_HEATMAP_ARCHS}); no heatmap")
            continue
        nb201 = key in NB201_HEATMAP_KEYS
        if nb201 and order is None:  # one order for the NB201 heatmaps (the first one's dendrogram), so they compare
            order = [ind.names[i] for i in ind.order]
        heatmap.write_csv(ind, out / f"heatmap_proxies_{key}.csv")
        heatmap.plot(ind, out / f"heatmap_proxies_{key}.png", order if nb201 else None)
        log(heatmap.describe(ind))
        heat[key] = {"n": ind.n, "note": ind.note, "clusters": ind.clusters, "tgnas_nearest": ind.nearest(),
                     "kinds": dict(zip(ind.names, ind.kinds))}
    return heat


def _live_summary(opts: LiveOptions, engine: EngineReport | None, plans: list, rows: list[dict],
                  seconds: float) -> dict:
    """The live part of summary.json: the engine, its workers and wall time, and per benchmark what was done."""
    return {"n": opts.n, "n_tnb": opts.n_tnb, "engine": opts.engine,
            "run": engine.as_dict() if engine else None, "wall_seconds": seconds,
            "benchmarks": [{"key": p.spec.key, "n_archs": len(p.archs), "proxies": list(p.proxies),
                            "source": p.spec.label} for p in plans],
            "proxies": [{k: (float(np.median(v)) if k == "times" else v) for k, v in r.items()} for r in rows]}


def _fmt_load(load: tuple[float, ...]) -> str:
    return "/".join(f"{x:.2f}" for x in load)


def _write_rows(path: Path, rows: list[dict]) -> None:
    """Rows of dicts as CSV (floats to 6 significant digits)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(rows[0]) if rows else [])
        for r in rows:
            w.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in r.values()])
