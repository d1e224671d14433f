"""The paper's ablations with our data: Table 2 (embedding model x sentence length), Table 6 (GCN layers x
weight decay x sentence length) and Table 8 (operator cosine similarities before / after NAS fine-tuning).

    TGNAS_DATA_DIR=../shared/benchmarks_data python experiments/ablations.py [--table 2,6,8] [--seeds 3]

Every cell trains on the 500 NB101 architectures only. Its selection column is NB101 grouped 5-fold CV (the only
number a user could choose a cell by); NB201, NB301 and TNB101-micro are zero-shot reports (mean +- std over
``--seeds`` models trained on all of NB101), whose labels choose nothing. Cells are appended to
``<workdir>/cells.jsonl`` as they finish, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from tgnas_naslib import TGNAS
from tgnas_naslib.datasets import CATALOG, ZERO_SHOT_BENCHMARKS, load_benchmark
from tgnas_naslib.model.train import TrainConfig, cross_validate, train_gcn
from tgnas_naslib.paths import MissingDataError
from tgnas_naslib.spaces import to_graph
from tgnas_naslib.study.cache import read_jsonl
from tgnas_naslib.study.correlation import rank_correlations
from tgnas_naslib.threads import torch_threads
from tgnas_naslib.training.pretrain import DEFAULT_CONFIG, load_nb101

_NB201_SHORT = {"cifar10": "C10", "cifar100": "C100", "ImageNet16-120": "IN16"}


def _label(name: str) -> str:
    """Column label of a zero-shot benchmark: NB201-C10, NB301, TNB-jigsaw..."""
    spec = CATALOG[name]
    if spec.space == "nasbench201":
        return f"NB201-{_NB201_SHORT[spec.task]}"
    if spec.space == "nasbench_macro":
        return "NB-Macro"
    return "NB301" if spec.space == "nasbench301" else f"TNB-{spec.task}"


TARGETS = {_label(name): name for name in ZERO_SHOT_BENCHMARKS}
LENGTHS = ("short", "medium", "long")
#: Table 2 rows: label -> TrainConfig overrides (the embedders this package can build offline)
EMBEDDERS = {
    "MiniLM-384": {"embedder_model": "all-MiniLM-L6-v2", "pca": None},
    "MiniLM-PCA-64": {"embedder_model": "all-MiniLM-L6-v2", "pca": 64},
    "MiniLM-NAS-tuned": {"embedder_model": "all-MiniLM-L6-v2-nas", "pca": None},
}
LAYERS = (2, 3, 4)
WEIGHT_DECAYS = (1e-4, 1e-5, 1e-6)


def cells(tables: set[str], others: dict[str, str] | None = None) -> list[tuple[str, str, dict]]:
    """(table, cell label, config overrides) for every cell of the requested tables (``others``: extra
    registered sentence models for Table 2, name -> vector table)."""
    out = []
    if "2" in tables:
        embedders = {**EMBEDDERS, **{name: {"embedder_model": name, "pca": None} for name in others or {}}}
        out += [("2", f"{emb} / {length}", {**over, "length": length})
                for emb, over in embedders.items() for length in LENGTHS]
    if "6" in tables:
        out += [("6", f"layers={n} / wd={wd:g} / {length}", {"layers": n, "weight_decay": wd, "length": length})
                for length in LENGTHS for n in LAYERS for wd in WEIGHT_DECAYS]
    return out


class Targets:
    """Every zero-shot target's graphs and labels, built once."""

    def __init__(self, data_dir: str | None) -> None:
        self.items = {}
        for label, name in TARGETS.items():
            bench = load_benchmark(name, data_dir)
            self.items[label] = ([to_graph(a, bench.space) for a in bench.archs], np.asarray(bench.y))

    def scores(self, models, config: TrainConfig) -> dict[str, tuple[float, float]]:
        """Spearman / Kendall of an ensemble on every target (disconnected graphs ranked last)."""
        model = TGNAS(models, config)
        return {label: rank_correlations(model.score_graphs(graphs), y) for label, (graphs, y) in self.items.items()}


def evaluate(overrides: dict, targets: Targets, nb101, seeds: int, folds: int) -> dict:
    """NB101 grouped CV and the zero-shot correlations of ``seeds`` NB101-trained models for one cell."""
    graphs, y, groups = nb101
    config = TrainConfig.from_dict({**DEFAULT_CONFIG.to_dict(), **overrides})
    t = time.time()
    cv = cross_validate(graphs, y, groups, config, k=folds)
    per_seed = []
    for seed in range(seeds):
        model = train_gcn(graphs, y, TrainConfig.from_dict({**config.to_dict(), "seed": seed}))
        per_seed.append(targets.scores([model], config))
    zero = {label: {"rho": [s[label][0] for s in per_seed], "tau": [s[label][1] for s in per_seed]}
            for label in TARGETS}
    return {"config": config.to_dict(), "nb101_cv_rho": cv["spearman"], "nb101_cv_tau": cv["kendall"],
            "zero_shot": zero, "seconds": round(time.time() - t, 1)}


def ms(v: list[float]) -> str:
    return f"{np.mean(v):.3f}+-{np.std(v):.3f}"


def report(done: dict[str, dict], todo: list[tuple[str, str, dict]]) -> None:
    """Markdown tables of every finished cell; the cell NB101 CV would choose is marked."""
    for table in ("2", "6"):
        rows = [(label, done[label]) for t, label, _ in todo if t == table and label in done]
        if not rows:
            continue
        title = {"2": "Table 2: embedding model x sentence length",
                 "6": "Table 6: GCN layers x weight decay x sentence length"}[table]
        best = max(rows, key=lambda r: r[1]["nb101_cv_rho"])[0]
        cols = ["NB201-C10", "NB201-C100", "NB201-IN16", "NB301"]
        print(f"\n### {title} (zero-shot rho mean+-std over seeds; NB101 CV = selection)\n")
        print("| cell | NB101 CV rho | " + " | ".join(cols) + " | NB201-C10 tau | TNB-micro mean rho |")
        print("|---|---|" + "---|" * len(cols) + "---|---|")
        for label, r in rows:
            z = r["zero_shot"]
            tnb = np.mean([np.mean(z[k]["rho"]) for k in z if k.startswith("TNB")])
            mark = " **(CV pick)**" if label == best else ""
            print(f"| {label}{mark} | {r['nb101_cv_rho']:.3f} | " + " | ".join(ms(z[c]["rho"]) for c in cols)
                  + f" | {ms(z['NB201-C10']['tau'])} | {tnb:.3f} |")


def table8() -> None:
    """Cosine similarities of the paper's operator pairs, base vs NAS-tuned embedder, and of held-out classes."""
    from tgnas_naslib.embedding.embedder import MODEL_NAME, TUNED_MODEL_NAME
    from tgnas_naslib.embedding.similarity import TABLE8_PAIRS, held_out_pairs, similarity_table

    print("\n### Table 8: cosine similarity of short descriptions before / after NAS fine-tuning\n")
    print("| pair | classes held out of tuning | all-MiniLM-L6-v2 | all-MiniLM-L6-v2-nas |")
    print("|---|---|---|---|")
    for pairs, held in ((TABLE8_PAIRS, "-"), (held_out_pairs(), "left")):
        base = similarity_table(MODEL_NAME, pairs)
        tuned = similarity_table(TUNED_MODEL_NAME, pairs)
        for (a, b, before), (_, _, after) in zip(base, tuned):
            print(f"| {a} vs {b} | {held} | {before:.3f} | {after:.3f} |")


def main() -> int:
    """Run the requested tables (resumable) and print them."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", default="2,6,8", help="comma list of 2, 6, 8")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--workdir", default="results/ablations")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--cv-folds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--report-only", action="store_true", help="print the tables from finished cells only")
    ap.add_argument("--only", default=None, help="run only the cells whose label contains this text")
    ap.add_argument("--other-model", action="append", default=[], metavar="NAME=NPZ",
                    help="another sentence model for Table 2, as a vocabulary vector table written by "
                         "scripts/embed_other_model.py (repeatable)")
    args = ap.parse_args()
    tables = set(args.table.split(","))
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "cells.jsonl"
    done = {r["label"]: r for r in read_jsonl(store)}
    from tgnas_naslib.embedding.embedder import EmbedderError, register_vector_table

    if any("=" not in item for item in args.other_model):
        ap.error("--other-model takes NAME=NPZ, e.g. all-mpnet-base-v2=/path/to/mpnet_vocab.npz")
    others = dict(item.split("=", 1) for item in args.other_model)
    for name, npz in others.items():
        try:
            register_vector_table(name, npz)
        except (EmbedderError, ValueError) as exc:
            ap.error(str(exc))
    todo = cells(tables, others)
    if not args.report_only:
        with torch_threads(args.threads):
            print("every cell: trained on nasbench101/zc_nasbench101_500.json only; selection = NB101 grouped "
                  f"{args.cv_folds}-fold CV; targets zero-shot", flush=True)
            graphs, y, groups, _, _ = load_nb101(args.data_dir)
            nb101 = (graphs, y, groups)
            targets = None
            for table, label, overrides in todo:
                if label in done or (args.only and args.only not in label):
                    continue
                targets = targets or Targets(args.data_dir)
                row = {"table": table, "label": label,
                       **evaluate(overrides, targets, nb101, args.seeds, args.cv_folds)}
                done[label] = row
                with store.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                print(f"  table {table} {label}: NB101 CV {row['nb101_cv_rho']:.3f}, NB201-C10 "
                      f"{ms(row['zero_shot']['NB201-C10']['rho'])} ({row['seconds']} s)", flush=True)
    report(done, todo)
    if "8" in tables:
        table8()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except MissingDataError as exc:  # finished results stay in the workdir; rerun to resume
        sys.exit(f"error: {exc}")
