"""The study's report: one rank for TG-NAS in the table and in the mean-rank line, figure 3 marks every live cell
(TG-NAS's too), and ``--out`` pointing at a file is one line."""

from __future__ import annotations

import numpy as np
import pytest

from tgnas_naslib.cli import main
from tgnas_naslib.study import table
from tgnas_naslib.study.correlation import Cell
from tgnas_naslib.study.data import ANALYTIC, PROXIES, SPECS, TGNAS, TRAINING
from tgnas_naslib.study.plots import cell_label

BENCHMARKS = [("a", "A", "zero-shot"), ("b", "B", "zero-shot"), ("t", "T", TRAINING)]


def _cells() -> list[Cell]:
    """TG-NAS 2nd of 3 stored methods on A but 4th once the analytic columns count; 1st on B."""
    rho = {"a": {TGNAS: 0.70, PROXIES[0]: 0.80, PROXIES[1]: 0.10, ANALYTIC[0]: 0.75, ANALYTIC[1]: 0.74},
           "b": {TGNAS: 0.90, PROXIES[0]: 0.20, ANALYTIC[0]: 0.30},
           "t": {TGNAS: 0.95, PROXIES[0]: 0.50}}
    out = []
    for key, label, role in BENCHMARKS:
        for m in table.METHODS:
            v = rho[key].get(m)
            kind = "live" if m == TGNAS else "analytic" if m in ANALYTIC else "stored"
            out.append(Cell(key, label, role, m, "ok" if v is not None else "no data", n=100 if v else 0, kind=kind,
                            spearman=v if v is not None else float("nan"), spearman_lo=0.0, spearman_hi=1.0))
    return out


def test_table_rank_and_mean_rank_are_one_rank():
    cells = _cells()
    summ = table.summary(cells, BENCHMARKS)[TGNAS]
    assert summ["ranks"] == [(4, 5), (1, 3)] and summ["mean_rank"] == pytest.approx(2.5)
    lines = table.best_proxy_lines(cells, BENCHMARKS)
    column = [line.rsplit(None, 3)[-3:] for line in lines[1:]]
    assert column == [["4", "of", "5"], ["1", "of", "3"], ["1", "of", "2"]]  # T (training) is not in the mean
    zero_shot = [int(c[0]) for c, (_, _, role) in zip(column, BENCHMARKS) if role != TRAINING]
    assert np.mean(zero_shot) == summ["mean_rank"]


def test_figure3_marks_live_cells_tgnas_included():
    by = {(c.benchmark, c.method): c for c in _cells()}
    assert cell_label(by[("a", TGNAS)]) == "0.70*"  # computed in this run, as the table's L
    assert cell_label(by[("a", ANALYTIC[0])]) == "0.75+"
    assert cell_label(by[("a", PROXIES[0])]) == "0.80"  # stored
    assert cell_label(by[("b", PROXIES[1])]) == "no\ndata"


def test_study_out_that_is_a_file_is_one_line(tmp_path, capsys):
    afile = tmp_path / "report.txt"
    afile.write_text("keep me")
    # the data files of the chosen benchmarks are checked first: TNB101-macro reads none (runs without data too)
    macro = ["--benchmarks", next(s.key for s in SPECS if not s.primary)]
    assert main(["study", "--out", str(afile), *macro]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tgnas study: error: --out {afile} is a file") and len(err.strip().splitlines()) == 1
    assert afile.read_text() == "keep me"
    assert main(["study", "--out", str(afile / "sub"), *macro]) == 2
    assert "cannot create this folder" in capsys.readouterr().err
    assert main(["study", "--out", str(tmp_path / "new"), "--heatmap-archs", "2"]) == 2
    assert "--heatmap-archs must be at least 3" in capsys.readouterr().err
