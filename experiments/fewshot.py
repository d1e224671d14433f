"""The few-shot predictor against NASLib's, in NASLib's PredictorEvaluator (``experiment_type: vary_train_size``)
through the project runner: every row, every seed, every train size, resumable; then the tables and the plot.

    TGNAS_DATA_DIR=../shared/benchmarks_data python experiments/fewshot.py                 # every row, then tables
    TGNAS_DATA_DIR=../shared/benchmarks_data python experiments/fewshot.py --rows tgnas_fewshot xgb_zc_tgnas --fresh
    python experiments/fewshot.py --table                                                   # tables from the cache
    python experiments/fewshot.py --write-configs                                           # configs/fewshot/*/*.yaml

A row is one config, ``configs/fewshot/<benchmark>/<row>.yaml`` (``python -m tgnas_naslib.naslib.run --config``
runs it alone). Every predictor is tested on the same archs: ``split: benchmark`` draws the 200 test archs of a
benchmark file with the seed and the training sets as nested prefixes of a seeded order of the rest (NB301: train up
to 300 of its 500 cells, test on the other 200); seeds 0, 1, 2. A cell is one (benchmark, row, train size, seed): a
run of the project runner with ``seed=S train_size_list=[N]``, cached in ``results/fewshot/cells/`` as it finishes.
The TG-NAS rows (``tgnas_fewshot``: fine-tuned from the member that never saw the family; ``xgb_zc_tgnas``: its
zero-shot score as a feature) record which member scored and a fingerprint of its weights: when the shipped model
changes (the same names, new weights), their cells are recomputed on the next run and the tables name the members.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
import time
import traceback
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "fewshot"
CONFIGS = ROOT / "configs" / "fewshot"

#: benchmark -> (search space, dataset, labelled file with stored zero-cost proxies, train sizes)
BENCHMARKS = {
    "nb201_c10": ("nasbench201", "cifar10", "nb201_cifar10_zcc_9445", [10, 20, 50, 100, 200]),
    "nb201_c100": ("nasbench201", "cifar100", "nb201_cifar100_783", [10, 20, 50, 100, 200]),
    "nb301": ("nasbench301", "cifar10", "nb301_500", [10, 20, 50, 100, 200, 300]),
    "tnb_class_scene": ("transbench101_micro", "class_scene", "tnb101_micro_class_scene_zcc_2128",
                        [10, 20, 50, 100, 200]),
}
LABELS = {"nb201_c10": "NB201 CIFAR-10 (9,445)", "nb201_c100": "NB201 CIFAR-100 (783)", "nb301": "NB301 (500)",
          "tnb_class_scene": "TNB101-micro class_scene (2,128)"}
#: row -> the config keys that make it (beside the benchmark's)
ROWS = {
    "tgnas_fewshot": {"predictor": "tgnas", "zero_shot": False, "finetune_epochs": 150},
    "xgb": {"predictor": "xgb"}, "lgb": {"predictor": "lgb"}, "rf": {"predictor": "rf"},
    "ngb": {"predictor": "ngb"}, "gp": {"predictor": "gp"}, "bananas": {"predictor": "bananas"},
    "mlp": {"predictor": "mlp"}, "gcn": {"predictor": "gcn"}, "seminas": {"predictor": "seminas"},
    "xgb_zc": {"predictor": "xgb", "zc_proxies": "all"},
    "xgb_zc_tgnas": {"predictor": "xgb", "zc_proxies": "all", "zc_tgnas": True},
}
#: rows whose numbers depend on the TG-NAS model
TGNAS_ROWS = ("tgnas_fewshot", "xgb_zc_tgnas")
SEEDS = (0, 1, 2)
TEST_SIZE = 200


def config_path(bench: str, row: str) -> Path:
    return CONFIGS / bench / f"{row}.yaml"


def write_configs() -> None:
    """configs/fewshot/<benchmark>/<row>.yaml, one per row (the runner's keys, all sizes, seed 0)."""
    import yaml

    for bench, (space, dataset, file, sizes) in BENCHMARKS.items():
        for row, keys in ROWS.items():
            cfg = {"experiment": "predictor_evaluation", **keys, "search_space": space, "dataset": dataset,
                   "split": "benchmark", "benchmark": file, "experiment_type": "vary_train_size",
                   "test_size": TEST_SIZE, "train_size_list": sizes, "seed": 0, "out_dir": "results/fewshot/run"}
            head = (f"# Few-shot predictors (experiments/fewshot.py, docs/predictors.md): {row} on {LABELS[bench]}.\n"
                    f"# python -m tgnas_naslib.naslib.run --config {config_path(bench, row).relative_to(ROOT)}"
                    " [seed=1 train_size_list=[50]]\n")
            config_path(bench, row).parent.mkdir(parents=True, exist_ok=True)
            config_path(bench, row).write_text(head + yaml.safe_dump(cfg, sort_keys=False, width=120))
    print(f"wrote {len(BENCHMARKS) * len(ROWS)} configs to {CONFIGS.relative_to(ROOT)}/")


def cell_path(bench: str, row: str, size: int, seed: int) -> Path:
    return OUT / "cells" / bench / row / f"n{size}_seed{seed}.json"


def tgnas_fingerprint(space: str) -> dict:
    """The member of the configured TG-NAS model that scores ``space``: its name and a hash of its weights."""
    from tgnas_naslib.naslib import configured_model

    model = configured_model()
    member = model.scoring_model(space)
    h = hashlib.sha256()
    for state in member._states:
        for k in sorted(state):
            h.update(k.encode())
            h.update(state[k].detach().cpu().numpy().tobytes())
    d = model.describe(space)
    return {"model": d["model"], "member": d["member"], "evaluation": d["evaluation"],
            "trained_on": d["trained_on"], "weights_sha256": h.hexdigest()[:16]}


def _stale(cell: dict, fingerprint: dict | None) -> bool:
    return fingerprint is not None and cell.get("tgnas", {}).get("weights_sha256") != fingerprint["weights_sha256"]


def run_cell(bench: str, row: str, size: int, seed: int, fingerprint: dict | None) -> dict:
    """One run of the project runner (in this process) for one cell; its metrics, time and TG-NAS member."""
    from tgnas_naslib.naslib.run import run
    from tgnas_naslib.naslib.runconfig import load_config

    cfg = load_config(config_path(bench, row), [f"seed={seed}", f"train_size_list=[{size}]",
                                                f"out_dir={OUT / 'run'}"])
    t0 = time.perf_counter()
    noise = io.StringIO()  # NASLib prints every prediction
    with contextlib.redirect_stdout(noise):
        results = run(cfg)
    res = results[-1]
    cell = {"benchmark": bench, "row": row, "train_size": size, "seed": seed, "test_size": TEST_SIZE,
            "spearman": float(res["spearman"]), "kendalltau": float(res["kendalltau"]),
            "fit_time": float(res.get("fit_time", float("nan"))), "seconds": time.perf_counter() - t0,
            "n_train": int(res["train_size"])}
    if fingerprint is not None:
        cell["tgnas"] = fingerprint
    return cell


def run_all(rows: list[str], benches: list[str], seeds: list[int], fresh: bool, only_sizes: list[int] | None = None
            ) -> None:
    """Every missing (or stale TG-NAS) cell, cached as it finishes; a row that fails is reported and skipped."""
    import tgnas_naslib.naslib  # noqa: F401  (NASLib with the plugin)

    failed: dict[tuple[str, str], str] = {}
    for bench in benches:
        space, _, _, sizes = BENCHMARKS[bench]
        fp = tgnas_fingerprint(space) if any(r in TGNAS_ROWS for r in rows) else None
        for row in rows:
            row_fp = fp if row in TGNAS_ROWS else None
            t_row, done = time.time(), 0
            for seed in seeds:
                for size in [n for n in sizes if only_sizes is None or n in only_sizes]:
                    path = cell_path(bench, row, size, seed)
                    if path.is_file() and not fresh:
                        cached = json.loads(path.read_text())
                        if not _stale(cached, row_fp):
                            continue
                        print(f"  {bench} {row} n={size} seed={seed}: the TG-NAS member changed, recomputing")
                    if (bench, row) in failed:
                        continue
                    try:
                        cell = run_cell(bench, row, size, seed, row_fp)
                    except Exception as exc:  # a NASLib predictor that cannot run here: say so, go on
                        first = (str(exc).splitlines() or ["(no message)"])[0][:200]
                        failed[(bench, row)] = f"{type(exc).__name__}: {first}"
                        (OUT / "failed").mkdir(parents=True, exist_ok=True)
                        where = traceback.extract_tb(exc.__traceback__)[-1]
                        failed[(bench, row)] += f" (raised in {Path(where.filename).name}:{where.lineno} {where.name})"
                        (OUT / "failed" / f"{bench}_{row}.txt").write_text(f"{failed[(bench, row)]}\n\n"
                                                                           f"{traceback.format_exc()}")
                        print(f"  {bench} {row}: FAILED ({failed[(bench, row)]})", flush=True)
                        continue
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(json.dumps(cell))
                    done += 1
                    print(f"  {bench} {row} n={size} seed={seed}: spearman {cell['spearman']:.3f} "
                          f"({cell['seconds']:.0f} s)", flush=True)
            if done:
                print(f"{bench} {row}: {done} cells in {time.time() - t_row:.0f} s", flush=True)


def load_cells() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((OUT / "cells").glob("*/*/*.json"))]


def tables(cells: list[dict], metric: str = "spearman") -> str:
    """Per benchmark: rows x train sizes, mean +- sd over seeds (k seeds when fewer than 3), the best in bold; then
    the targets and which TG-NAS members scored."""
    out = []
    for bench, (_, _, file, sizes) in BENCHMARKS.items():
        mine = [c for c in cells if c["benchmark"] == bench]
        if not mine:
            continue
        by = {}
        for c in mine:
            by.setdefault((c["row"], c["train_size"]), []).append(c[metric])
        rows = [r for r in ROWS if any(c["row"] == r for c in mine)]
        mean = {k: float(np.mean(v)) for k, v in by.items()}
        best = {n: max((mean[(r, n)] for r in rows if (r, n) in mean), default=np.nan) for n in sizes}
        out.append(f"### {LABELS[bench]}: {metric} (mean +- sd over seeds; test 200 archs of {file})\n")
        out.append("| predictor | " + " | ".join(f"n={n}" for n in sizes) + " |")
        out.append("|---|" + "---|" * len(sizes))
        for r in rows:
            cells_r = []
            for n in sizes:
                v = by.get((r, n))
                if not v:
                    cells_r.append("-")
                    continue
                txt = f"{np.mean(v):.3f} +- {np.std(v):.3f}" + (f" ({len(v)})" if len(v) != len(SEEDS) else "")
                cells_r.append(f"**{txt}**" if np.isclose(np.mean(v), best[n]) else txt)
            out.append(f"| {r} | " + " | ".join(cells_r) + " |")
        out.append("")
        out += target_lines(bench, mean, rows, sizes)
        members = sorted({(c["tgnas"]["member"], c["tgnas"]["weights_sha256"]) for c in mine if "tgnas" in c})
        if members:
            out.append("TG-NAS rows: " + "; ".join(f"member {m} (weights {h})" for m, h in members)
                       + " -- tgnas_fewshot fine-tunes it on each training set; xgb_zc_tgnas uses its zero-shot "
                         "score as a feature")
        out.append("")
    return "\n".join(out)


def target_lines(bench: str, mean: dict, rows: list[str], sizes: list[int]) -> list[str]:
    """The issue's targets, per train size: TG-NAS best (n <= 100), xgb + TG-NAS beats xgb on the zc proxies."""
    lines = []
    for mine, what in ((("tgnas_fewshot",), "TG-NAS fine-tuned (tgnas_fewshot)"),
                       (TGNAS_ROWS, "a TG-NAS row (tgnas_fewshot or xgb_zc_tgnas)")):
        if not any(r in rows for r in mine):
            continue
        lost = []
        for n in sizes:
            have = [r for r in rows if (r, n) in mean]
            ours = [mean[(r, n)] for r in mine if (r, n) in mean]
            if n > 100 or not ours:
                continue
            best = max(have, key=lambda r: mean[(r, n)])
            if max(ours) < mean[(best, n)]:
                lost.append(f"n={n} by {best} ({mean[(best, n)]:.3f} vs {max(ours):.3f})")
        lines.append(f"{what} has the best mean Spearman at every train size <= 100: "
                     + ("yes" if not lost else "NO, beaten at " + "; ".join(lost)))
    if "xgb_zc" in rows and "xgb_zc_tgnas" in rows:
        lost = [f"n={n}" for n in sizes if ("xgb_zc", n) in mean and ("xgb_zc_tgnas", n) in mean
                and mean[("xgb_zc_tgnas", n)] <= mean[("xgb_zc", n)]]
        lines.append("xgb + zc + TG-NAS beats xgb + zc at every train size: " +
                     ("yes" if not lost else "NO, not at " + ", ".join(lost)))
    return lines


def timing_lines(cells: list[dict]) -> str:
    """Seconds per cell (one fit + query on one train size), per row, summed over the benchmark's cells."""
    out = ["| row | " + " | ".join(BENCHMARKS) + " |", "|---|" + "---|" * len(BENCHMARKS)]
    for r in ROWS:
        vals = []
        for b in BENCHMARKS:
            s = [c["seconds"] for c in cells if c["row"] == r and c["benchmark"] == b]
            vals.append(f"{sum(s):.0f} s / {len(s)} cells" if s else "-")
        out.append(f"| {r} | " + " | ".join(vals) + " |")
    return "\n".join(out)


def plot(cells: list[dict], path: Path) -> None:
    """NASLib's figure: Spearman vs train size, one line per predictor (mean over seeds, sd band), per benchmark."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    benches = [b for b in BENCHMARKS if any(c["benchmark"] == b for c in cells)]
    if not benches:
        return
    fig, axes = plt.subplots(1, len(benches), figsize=(4.8 * len(benches), 4.2), squeeze=False)
    colors = dict(zip(ROWS, plt.get_cmap("tab20")(np.linspace(0, 1, len(ROWS)))))
    for ax, b in zip(axes[0], benches):
        for r in ROWS:
            pts = sorted({c["train_size"] for c in cells if c["benchmark"] == b and c["row"] == r})
            if not pts:
                continue
            m = [np.mean([c["spearman"] for c in cells if (c["benchmark"], c["row"], c["train_size"]) == (b, r, n)])
                 for n in pts]
            s = [np.std([c["spearman"] for c in cells if (c["benchmark"], c["row"], c["train_size"]) == (b, r, n)])
                 for n in pts]
            bold = r in TGNAS_ROWS
            ax.plot(pts, m, marker="o", ms=3, lw=2.4 if bold else 1.2, color=colors[r], label=r,
                    ls="-" if bold or r != "xgb_zc" else "--")
            ax.fill_between(pts, np.subtract(m, s), np.add(m, s), color=colors[r], alpha=0.12)
        ax.set_xscale("log")
        ax.set_xlabel("training set size")
        ax.set_ylabel("Spearman rho (test: 200 archs)")
        ax.set_title(LABELS[b], fontsize=10)
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    p.add_argument("--benchmarks", nargs="+", default=list(BENCHMARKS), choices=list(BENCHMARKS))
    p.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    p.add_argument("--sizes", nargs="+", type=int, default=None,
                   help="only these train sizes (default: every size of each benchmark)")
    p.add_argument("--fresh", action="store_true", help="recompute the selected rows' cells even when cached")
    p.add_argument("--table", action="store_true", help="only print the tables from the cache")
    p.add_argument("--write-configs", action="store_true", help="write configs/fewshot/*/*.yaml and stop")
    args = p.parse_args()
    if args.write_configs:
        write_configs()
        return 0
    if not args.table:
        run_all(args.rows, args.benchmarks, args.seeds, args.fresh, args.sizes)
    cells = load_cells()
    print(tables(cells, "spearman"))
    print(tables(cells, "kendalltau"))
    print("Seconds per row (cells summed: one fit + query each, this machine):\n" + timing_lines(cells))
    for path in sorted((OUT / "failed").glob("*.txt")):
        print(f"could not run: {path.stem}: {path.read_text().splitlines()[0]}")
    OUT.mkdir(parents=True, exist_ok=True)
    plot(cells, OUT / "fewshot_spearman.png")
    print(f"plot: {(OUT / 'fewshot_spearman.png').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
