"""The fused proxies inside NASLib (needs NASLib): ZeroCost('tgnas_nwot') is TG-NAS and NASLib's own nwot fused by
the declared rule, every valid name is a measure, a bad one is one line, the cost counts, and NASLib's own zc runner
runs predictor: tgnas_nwot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import NEEDS_NASLIB, naslib_importable, requires_benchmark, requires_data

pytestmark = [pytest.mark.naslib, pytest.mark.slow, pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)]

BEST = (2, 2, 0, 2, 2, 2)


@pytest.fixture(scope="module")
def graph_and_batch():
    requires_benchmark("nb201_cifar10_zcc_9445")
    requires_data("images/cifar10_test_1000.npz")
    from naslib.search_spaces import get_search_space

    import tgnas_naslib.naslib as tn

    g = get_search_space("nasbench201", "cifar10").clone()
    g.set_spec(BEST)
    g.parse()
    x, y = next(iter(tn.cifar10_loader(None, batch_size=64, shuffle=True, seed=0)))
    return g, [(x, y)]


@pytest.mark.slow
def test_zerocost_tgnas_nwot_is_the_rule_over_naslibs_own_nwot(graph_and_batch):
    from naslib.predictors import ZeroCost

    from tgnas_naslib.fusion import FusedProxy
    from tgnas_naslib.naslib import configured_model

    g, batch = graph_and_batch
    fused = ZeroCost("tgnas_nwot").query(g, dataloader=batch)
    nwot = ZeroCost("nwot").query(g, dataloader=batch)
    expect = FusedProxy("tgnas_nwot", configured_model()).fuse([BEST], "nasbench201", "cifar10", {"nwot": [nwot]},
                                                               batch_size=64)[0]
    assert fused == pytest.approx(expect, abs=1e-6)  # TG-NAS scores agree to 1e-6 between batchings
    assert 0.9 < fused <= 1.0  # the best NB201 cell is near the top of both references


def test_every_valid_fused_name_is_a_measure_and_a_bad_one_is_one_line(graph_and_batch):
    from naslib.predictors import ZeroCost
    from naslib.predictors.utils.pruners import measures

    from tgnas_naslib.errors import one_line_error
    from tgnas_naslib.fusion import UnknownProxyError

    assert {"tgnas_nwot", "tgnas_jacov", "tgnas_zen", "tgnas_nwot_jacov"} <= set(measures._measure_impls)
    g, batch = graph_and_batch
    with pytest.raises(UnknownProxyError) as info:
        ZeroCost("tgnas_bogus").query(g, dataloader=batch)
    assert "unknown proxy 'bogus'" in one_line_error(info.value)
    score = ZeroCost("tgnas_l2_norm_params").query(g, dataloader=batch)  # registered when first asked for
    assert "tgnas_l2_norm_params" in measures._measure_impls and 0 <= score <= 1


@pytest.mark.slow
def test_cost_counts_one_forward_and_no_backward_for_tgnas_nwot():
    requires_benchmark("nb201_cifar10_zcc_9445")
    requires_data("images/cifar10_test_1000.npz")
    from tgnas_naslib.naslib.fused import measure_cost

    rows = {r["method"]: r for r in measure_cost("nasbench201", "cifar10", [BEST], ["tgnas", "nwot", "jacov",
                                                                                    "tgnas_nwot"])}
    assert (rows["tgnas"]["forward"], rows["tgnas"]["backward"]) == (0, 0)
    assert (rows["nwot"]["forward"], rows["nwot"]["backward"]) == (1, 0)
    assert (rows["jacov"]["forward"], rows["jacov"]["backward"]) == (1, 1)
    assert (rows["tgnas_nwot"]["forward"], rows["tgnas_nwot"]["backward"]) == (1, 0)


@pytest.mark.slow
def test_naslibs_own_zc_runner_runs_predictor_tgnas_nwot(tmp_path):
    """configs/naslib_zc_tgnas_nwot.yaml (test_size 3) through NASLib's runner: nwot live on CIFAR-10, fused."""
    requires_benchmark("nb201_cifar10_15625")
    requires_benchmark("nb201_cifar10_zcc_9445")
    import importlib.util

    runner = Path(importlib.util.find_spec("naslib").submodule_search_locations[0]) / "runners" / "zc" / "runner.py"
    config = Path(__file__).resolve().parents[1] / "configs" / "naslib_zc_tgnas_nwot.yaml"
    done = subprocess.run([sys.executable, "-m", "tgnas_naslib.naslib.exec", str(runner), "--config-file",
                           str(config), "test_size", "3", "out_dir", "run"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=900, check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, done.stderr[-3000:]
    config_out, results = json.loads((tmp_path / "run" / "zc" / "nasbench201" / "cifar10" / "tgnas_nwot" / "0" /
                                      "scores.json").read_text())
    preds = np.array(results["full_testpred"])
    assert len(preds) == 3 and np.all((preds >= 0) & (preds <= 1))
    assert config_out["provenance"]["tgnas_model"]["member"] == "lfo-nb201"
