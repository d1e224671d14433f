"""The proxy study (``tgnas study``): metrics, bootstrap, table cells, heatmaps and a small end-to-end run,
on the real shared data (skipped, naming the file, without it)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from scipy import stats

from tgnas_naslib.cli import main
from tgnas_naslib.paths import MissingDataError
from tgnas_naslib.study import heatmap, live
from tgnas_naslib.study.correlation import bootstrap_spearman, p_at_top, precision_at_k, rank_last
from tgnas_naslib.study.data import ANALYTIC, PROXIES, SPEC_BY_KEY, TGNAS, assemble, select_specs
from tgnas_naslib.study.table import METHODS, benchmark_cells, markdown, summary

from conftest import requires_benchmark, requires_data

NB301 = "nasbench301/zc_nasbench301_500.json"
NB201_783 = "nasbench201/zc_nasbench201_783.json"
NB201_ZIP = "nasbench201/nb201_zen_valacc_15625.zip"


@pytest.fixture(scope="module")
def model():
    from tgnas_naslib import TGNAS as Model

    return Model.pretrained("nb101")  # the cell model: NB101 is its training space (card CV), the rest zero-shot


@pytest.fixture(scope="module")
def nb301(model):
    requires_data(NB301)
    d = assemble(SPEC_BY_KEY["nb301"])
    d.tgnas = model.score(d.archs, space=d.space)
    return d


# --- metrics --------------------------------------------------------------------------------------------------
def test_bootstrap_is_exact_spearman_of_each_resample():
    rng = np.random.default_rng(0)
    x = np.round(rng.normal(size=300), 1)  # ties
    x[:15] = -1e8  # failed values tie at the bottom
    y = x + rng.normal(size=300)
    boot = bootstrap_spearman([x], y, 7, np.random.default_rng(5), chunk_elems=900)  # several chunks
    idx = np.random.default_rng(5).integers(0, 300, size=(7, 300))
    np.testing.assert_allclose(boot[0], [stats.spearmanr(x[i], y[i])[0] for i in idx], rtol=1e-10)


def test_topk_metrics_match_naslib_definitions():
    y = np.arange(100, dtype=float)
    assert precision_at_k(y, y, 10) == 1.0 and p_at_top(y, y, 0.1) == 1.0
    assert precision_at_k(-y, y, 10) == 0.0 and p_at_top(-y, y, 0.2) == 0.0
    pred = y.copy()
    pred[-1] = -5  # the best arch predicted worst: 9 of the true top 10 remain
    assert precision_at_k(pred, y, 10) == pytest.approx(0.9)
    assert rank_last(np.array([np.nan, -np.inf, 3.0, -2e8]))[[0, 1, 3]].tolist() == [-1e8] * 3


# --- the correlation table ------------------------------------------------------------------------------------
def test_cells_shape_n_and_no_data(nb301, model):
    cells = benchmark_cells(nb301, n_boot=200, seed=0, card=model.card)
    assert [c.method for c in cells] == list(METHODS) and len(cells) == 16
    by = {c.method: c for c in cells}
    for p in ("nwot", "zen"):  # NB301's 500-arch file has neither: reported, not dropped
        assert by[p].status == "no data" and by[p].n == 0 and "no " + p in by[p].note
    for m in [TGNAS] + [p for p in PROXIES if p not in ("nwot", "zen")]:
        c = by[m]
        assert c.status == "ok" and c.n == 500 and np.isfinite(c.spearman)
        assert c.spearman_lo <= c.spearman <= c.spearman_hi  # the 95% interval holds the point estimate
        assert 0 <= c.precision_10 <= 1 and 0 <= c.p_top10pct <= 1
    assert by["flops"].spearman == pytest.approx(stats.spearmanr(nb301.columns["flops"].values, nb301.y)[0])
    assert by["flops"].tgnas_spearman_same_archs == pytest.approx(by[TGNAS].spearman)
    md = markdown(cells, [("nb301", "NB301 C10", nb301.spec.role)], summary(cells, [("nb301", "NB301 C10", "x")]))
    rows = {line.split("|")[1].strip(): line for line in md.splitlines()[2:]}
    assert len(rows) == 16 and "no data" in rows["nwot"] and "(S, n=500)" in rows["flops"]  # S: stored values
    assert "(A, n=500)" in rows["flops_analytic"]  # A: analytic, from the network definition


def test_analytic_columns_reproduce_the_stored_flops_and_params_and_fill_every_hole():
    """flops_analytic / params_analytic are NASLib's flops / params, exactly (stored in millions), on every arch."""
    for key in ("nb301", "nb201_cifar100", "tnb101_micro_class_scene"):
        d = assemble(SPEC_BY_KEY[key], requires_benchmark(SPEC_BY_KEY[key].primary))
        for name in ("flops", "params"):
            stored, ours = d.columns[name], d.columns[name + "_analytic"]
            assert ours.kind == "analytic" and ours.tag == "A" and ours.n == d.n  # no holes
            m = stored.mask
            np.testing.assert_allclose(ours.values[m] / 1e6, stored.values[m], rtol=1e-6, err_msg=f"{key} {name}")
    autoenc = assemble(SPEC_BY_KEY["tnb101_micro_autoencoder"],
                       requires_benchmark("tnb101_micro_autoencoder_4096"))
    assert "flops" not in autoenc.columns and autoenc.columns["flops_analytic"].n == 4096  # a stored hole, filled


def test_bootstrap_is_seeded(nb301, model):
    a = benchmark_cells(nb301, n_boot=100, seed=3, card=model.card)
    b = benchmark_cells(nb301, n_boot=100, seed=3, card=model.card)
    c = benchmark_cells(nb301, n_boot=100, seed=4, card=model.card)
    assert [x.spearman_lo for x in a] == [x.spearman_lo for x in b] != [x.spearman_lo for x in c]


def test_merged_sources_one_source_per_proxy():
    requires_data(NB201_783)
    requires_data(NB201_ZIP)
    d = assemble(SPEC_BY_KEY["nb201_cifar100"])
    assert d.n == 783 and set(d.columns) == set(PROXIES) | set(ANALYTIC)
    assert d.columns["zen"].source == NB201_ZIP and d.columns["nwot"].source == NB201_783
    assert d.columns["zen"].n == 783 and not d.warnings  # same labels in both files


def test_training_space_uses_model_card(model):
    from tgnas_naslib.study.runner import _roles

    requires_data("nasbench101/zc_nasbench101_500.json")
    (spec,) = _roles([SPEC_BY_KEY["nb101"]], model)  # NB101 is the nb101 model's training space
    assert spec.role == "training space"
    d = assemble(spec)
    cells = {c.method: c for c in benchmark_cells(d, n_boot=50, seed=0, card=model.card)}
    assert cells[TGNAS].spearman == pytest.approx(model.card["nb101_grouped_cv"]["spearman"])
    assert "training space" in cells[TGNAS].note and cells["nwot"].status == "no data"


def test_missing_file_names_it(tmp_path):
    with pytest.raises(MissingDataError, match="zc_nasbench301_500.json"):
        assemble(SPEC_BY_KEY["nb301"], tmp_path)
    with pytest.raises(ValueError, match="unknown study benchmark"):
        select_specs(["nb999"])


def test_cli_missing_file_is_one_line(tmp_path, capsys):
    assert main(["study", "--out", str(tmp_path / "o"), "--data-dir", str(tmp_path), "--benchmarks", "nb301"]) == 2
    err = capsys.readouterr().err
    assert "zc_nasbench301_500.json" in err and "Traceback" not in err


# --- heatmaps -------------------------------------------------------------------------------------------------
def test_heatmap_symmetric_unit_diagonal(model, tmp_path):
    requires_data(NB201_783)
    requires_data(NB201_ZIP)
    d = assemble(SPEC_BY_KEY["nb201_cifar100"])
    d.tgnas = model.score(d.archs, space=d.space)
    ind = heatmap.independence(d, n_sample=1000, seed=0)
    assert ind.names == list(PROXIES) + list(ANALYTIC) + [TGNAS] and ind.n == 783 and "all 783" in ind.note
    np.testing.assert_array_equal(ind.matrix, ind.matrix.T)
    np.testing.assert_array_equal(np.diag(ind.matrix), 1.0)
    assert ind.matrix[ind.names.index("flops"), ind.names.index("params")] > 0.95
    assert any({"flops", "params"} <= set(c) for c in ind.clusters)
    assert sorted(p for c in ind.clusters for p in c) == sorted(ind.names)
    heatmap.plot(ind, tmp_path / "h.png")
    heatmap.write_csv(ind, tmp_path / "h.csv")
    assert (tmp_path / "h.png").stat().st_size > 10_000
    assert len(list(csv.reader(open(tmp_path / "h.csv")))) == 17  # header + 13 proxies + 2 analytic + TG-NAS


# --- live proxies ---------------------------------------------------------------------------------------------
def test_live_cache_resumes_and_ignores_a_cut_line(tmp_path):
    path = tmp_path / "live_cache" / "c.jsonl"
    cache = live.LiveCache(path)
    cache.add({"arch": [1, 2, 3, 4, 0, 1], "proxy": "params", "score": 1.5, "time": 0.1})
    with open(path, "a") as fh:
        fh.write('{"arch": [0, 0, 0, 0, 0, 0], "proxy": "fl')  # interrupted mid-line
    again = live.LiveCache(path)
    assert again.get((1, 2, 3, 4, 0, 1), "params")["score"] == 1.5 and again.skipped == 1
    again.add({"arch": [0, 0, 0, 0, 0, 0], "proxy": "flops", "score": 2.0, "time": 0.1})
    third = live.LiveCache(path)  # the second opening dropped the cut line from the file
    assert third.skipped == 0 and third.get((0, 0, 0, 0, 0, 0), "flops")["score"] == 2.0 and len(third) == 2


# --- end to end -----------------------------------------------------------------------------------------------
def test_study_end_to_end(tmp_path, capsys, monkeypatch):
    requires_data(NB301)
    requires_data("nasbench101/zc_nasbench101_500.json")
    monkeypatch.setattr(live, "naslib_status", lambda: "NASLib is not importable (test)")
    out = tmp_path / "study"
    assert main(["study", "--out", str(out), "--benchmarks", "nb301", "nb101", "--bootstrap", "50",
                 "--timing-archs", "200", "--live-proxies", "2"]) == 0
    text = capsys.readouterr().out
    for f in ("correlations.csv", "correlations.md", "figure3_proxies_x_benchmarks.png", "rank_scatter_tgnas.png",
              "timing.csv", "report.txt", "summary.json"):
        assert (out / f).is_file() and (out / f).stat().st_size > 0, f
    rows = list(csv.DictReader(open(out / "correlations.csv")))
    assert len(rows) == 2 * 16  # TG-NAS, 13 proxies, 2 analytic counts
    assert {(r["benchmark"], r["method"]) for r in rows if r["status"] == "no data"} >= {("nb301", "zen"),
                                                                                          ("nb101", "nwot")}
    assert "live proxies need NASLib" in text and "| **TG-NAS** |" in text
    assert "zc_nasbench101_500.json" in text  # which data trained the model
    assert "GPU" in text  # the stored times' hardware caveat
    doc = json.loads((out / "summary.json").read_text())
    assert doc["bootstrap"] == 50 and doc["timing"]
    # the fusion table: every stored proxy alone vs fused with TG-NAS, on both benchmarks (11 proxies each)
    fusion = list(csv.DictReader(open(out / "fusion.csv")))
    assert len(fusion) == 2 * 11 and (out / "fusion.md").is_file() and (out / "fusion_arrows.png").is_file()
    assert all(-1 <= float(r["fused_rho"]) <= 1 and float(r["fused_lo"]) <= float(r["fused_rho"]) for r in fusion)
    assert "Fused with TG-NAS" in text and doc["fusion"]["rule"].startswith("fused = 1/2 q(TG-NAS)")


def fake_compute(task):
    """Stands in for NASLib's ZeroCost in a worker: a deterministic value per (arch, proxy)."""
    import zlib as z

    return [{"arch": task.arch, "proxy": p, "score": float(z.crc32(repr((task.arch, p)).encode()) % 1000),
             "time": 0.01, "build_time": 0.02, "batch_size": task.spec.batch_size, "error": None}
            for p in task.proxies]


@pytest.mark.slow  # a study with live NASLib proxies: ~6 s
def test_study_with_live_values_marks_cells_and_records_the_engine(tmp_path, capsys, monkeypatch):
    requires_data(NB301)
    requires_data("images/cifar10_test_1000.npz")
    monkeypatch.setattr(live, "naslib_status", lambda: None)
    monkeypatch.setattr(live, "compute_task", fake_compute)
    out = tmp_path / "study"
    args = ["study", "--out", str(out), "--benchmarks", "nb301", "tnb101_macro_class_scene", "--bootstrap", "20",
            "--timing-archs", "100", "--live-proxies", "12", "--engine", "local", "--timing-live-archs", "3",
            "--no-progress", "--fusion-cost-archs", "0"]  # the fusion cost runs NASLib itself: not with fake values
    assert main(args) == 0
    text = capsys.readouterr().out
    doc = json.loads((out / "summary.json").read_text())
    run = doc["live"]["run"]
    assert (run["engine"], run["workers"], run["values"]) == ("local", 1, 12 * 13 + 12 * 5)
    assert run["seconds"] > 0 and doc["live"]["wall_seconds"] >= run["seconds"]
    cols = {b["key"]: b["columns"] for b in doc["benchmarks"]}
    assert cols["nb301"]["zen"] == {"kind": "live", "n": 12, "batch": 32, "source": cols["nb301"]["zen"]["source"]}
    assert cols["nb301"]["flops"]["kind"] == "stored" and cols["nb301"]["flops"]["n"] == 500
    md = (out / "correlations.md").read_text()
    assert "(L bs32, n=12)" in md and "(S, n=500)" in md and "TNB macro" not in md.split("Data per")[0]
    assert (out / "heatmap_proxies_tnb101_macro_class_scene.png").is_file()
    assert doc["heatmaps"]["tnb101_macro_class_scene"]["n"] == 12
    side = doc["timing_side_by_side"]
    assert side and side[0]["n_archs"] == 3 and side[0]["where"].startswith("live")
    assert "measured in this run on this machine" in text and "PROJECTION (not measured)" in text
    fusion = {r["fused"]: r for r in csv.DictReader(open(out / "fusion.csv"))}
    assert fusion["tgnas_nwot"]["mark"] == "L bs32" and fusion["tgnas_nwot"]["n"] == "12"  # as its proxy's cells
    assert fusion["tgnas_flops"]["mark"] == "S" and fusion["tgnas_flops"]["n"] == "500"
    again = main(args)  # everything cached: nothing computed again
    assert again == 0 and json.loads((out / "summary.json").read_text())["live"]["run"]["values"] == 0


def test_study_is_zero_shot_by_default_and_in_family_only_when_asked(tmp_path, capsys, monkeypatch):
    requires_data(NB301)
    requires_data("nasbench101/zc_nasbench101_500.json")
    monkeypatch.setattr(live, "naslib_status", lambda: "NASLib is not importable (test)")
    base = ["study", "--benchmarks", "nb301", "nb101", "--bootstrap", "20", "--timing-archs", "50"]
    assert main([*base, "--out", str(tmp_path / "zero")]) == 0
    text = capsys.readouterr().out
    doc = json.loads((tmp_path / "zero" / "summary.json").read_text())
    scored = {b["key"]: b["scored_by"] for b in doc["benchmarks"]}
    assert {k: (v["member"], v["evaluation"]) for k, v in scored.items()} == {
        "nb301": ("lfo-nb301", "zero-shot"), "nb101": ("lfo-nb101", "zero-shot")}
    assert "TG-NAS mean rank over 2 zero-shot benchmarks" in text and "(in-family)" not in text
    assert main([*base, "--out", str(tmp_path / "in"), "--in-family"]) == 0
    text = capsys.readouterr().out
    doc = json.loads((tmp_path / "in" / "summary.json").read_text())
    assert {b["key"]: b["role"] for b in doc["benchmarks"]} == {"nb301": "in-family", "nb101": "in-family"}
    assert all(b["scored_by"]["member"] == "universal-all" for b in doc["benchmarks"])
    assert "no zero-shot TG-NAS number here" in text and "NB301 C10 (in-family)" in text
