"""Issue 28: every shipped model's ranking quality, pinned without the data directory.

``tests/fixtures/labelled.json`` holds 300 NB201 and 100 NB101 cells with NASLib's labels (a seeded draw,
``scripts/make_fixture.py``); ``tests/fixtures/golden.json`` each shipped model's Spearman rho on them. A model
whose rho moves by more than the stated tolerance fails here, and so does a shipped model with no golden entry (the
names are read from the API when the tests are collected, so a new model cannot skip the check).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import requires_data

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_fixture", ROOT / "scripts" / "make_fixture.py")
mf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mf)

GOLDEN = json.loads(mf.GOLDEN.read_text())
FIXTURE = mf.load_fixture()


def test_the_fixture_is_small_labelled_and_says_where_it_comes_from():
    assert mf.FIXTURE.stat().st_size < 300_000
    about = FIXTURE["about"]
    assert "Apache-2.0" in about["licence"] and "automl/NASLib" in about["licence"]
    assert about["made_by"].startswith("python scripts/make_fixture.py") and about["seed"] == mf.SEED
    assert all(src["licence"] and src["origin"] and len(src["sha256"]) == 64 for src in about["sources"].values())
    nb201, nb101 = FIXTURE["benchmarks"]["nasbench201"], FIXTURE["benchmarks"]["nasbench101"]
    assert len(nb201["archs"]) == mf.N_NB201 and len(nb101["archs"]) == mf.N_NB101
    assert sorted(nb201["labels"]) == sorted(mf.NB201_TASKS) and list(nb101["labels"]) == ["cifar10"]
    for bench in (nb201, nb101):
        assert len({tuple(a) for a in bench["archs"]}) == len(bench["archs"])
        assert all(len(labels) == len(bench["archs"]) and np.isfinite(labels).all()
                   for labels in bench["labels"].values())
    assert GOLDEN["about"]["tolerance"] == mf.TOLERANCE == 0.02


def test_every_shipped_model_has_golden_values_and_no_stale_ones():
    shipped, pinned = set(mf.shipped_models()), set(GOLDEN["models"])
    assert not shipped - pinned, (f"shipped models without golden values: {sorted(shipped - pinned)}; run "
                                  f"`{mf.REGENERATE}` and commit tests/fixtures/golden.json")
    assert not pinned - shipped, (f"golden values of models no longer shipped: {sorted(pinned - shipped)}; run "
                                  f"`{mf.REGENERATE}`")


@pytest.mark.parametrize("name", sorted(mf.shipped_models()))
def test_shipped_model_ranks_the_fixture_as_pinned(name):
    golden = GOLDEN["models"].get(name)
    if golden is None:
        pytest.fail(f"{name} has no golden values: run `{mf.REGENERATE}` and commit tests/fixtures/golden.json")
    got = mf.model_rhos(mf.shipped_models()[name], FIXTURE)
    assert set(got) == set(golden), f"benchmarks changed: run `{mf.REGENERATE}`"
    moved = {bench: (golden[bench], round(rho, 4)) for bench, rho in got.items()
             if abs(rho - golden[bench]) > mf.TOLERANCE}
    assert not moved, (f"{name}: Spearman rho on the fixture moved by more than {mf.TOLERANCE} (golden, now): "
                       f"{moved}; if the change is intended, run `{mf.REGENERATE}` and say why in the commit")


def test_the_comparison_can_fail():
    """A model that ranks at random is far outside the tolerance of every golden value."""
    bench = FIXTURE["benchmarks"]["nasbench201"]
    noise = np.random.default_rng(0).permutation(len(bench["archs"])).astype(float)
    rho = mf.spearman(noise, np.asarray(bench["labels"]["cifar10"]))
    assert all(abs(rho - v["nasbench201/cifar10"]) > mf.TOLERANCE for v in GOLDEN["models"].values())


def test_numpy_spearman_matches_scipy_with_ties_and_minus_inf():
    """The fallback used where scipy is not installed gives scipy's rho (average ranks for ties, -inf lowest)."""
    stats = pytest.importorskip("scipy.stats")
    x = np.array([3.0, -np.inf, 1.0, 1.0, 2.0, -np.inf, 5.0])
    y = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 0.5, 9.0])
    numpy_rho = float(np.corrcoef(mf._ranks(x), mf._ranks(y))[0, 1])
    assert numpy_rho == pytest.approx(float(stats.spearmanr(x, y).statistic), abs=1e-12)
    assert mf.spearman(x, y) == pytest.approx(numpy_rho, abs=1e-12)


def test_the_fixture_is_the_seeded_draw_of_the_data(tmp_path):
    """With the data directory: scripts/make_fixture.py makes exactly the committed fixture (reproducible)."""
    requires_data("nasbench201/nb201_zen_valacc_15625.zip")
    root = requires_data("nasbench101/zc_nasbench101_500.json").parents[1]
    assert mf.make_fixture(str(root)) == FIXTURE
