"""The shipped default's size properties (issue 26) on networks no benchmark labels: the sweeps of
experiments/width_sweeps.py, smaller (docs/hierarchical.md prints the full ones)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sweeps():
    path = Path(__file__).resolve().parents[1] / "experiments" / "width_sweeps.py"
    spec = importlib.util.spec_from_file_location("width_sweeps", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def member():
    from tgnas_naslib import TGNAS

    return TGNAS.pretrained()  # the default bundle: modules and hand-built skeletons go to its all-family member


@pytest.mark.parametrize("family", ["resnet", "mobilenet"])
def test_per_layer_width_variations_rank_with_flops(sweeps, member, family):
    sks = sweeps.width_variants(family, 40, seed=3)
    scores = member.score_graphs(sks)
    flops = np.array([s.cost.flops for s in sks], dtype=float)
    # property 1: Spearman with exact FLOPs >= .8 (measured .99-1.00 at n=200)
    assert sweeps._spearman(scores, flops) >= 0.8


def test_widening_and_adding_a_repeat_never_lower_the_score(sweeps, member):
    pairs = sweeps.ordered_pairs(member, n_bases=2, seed=5)
    assert set(pairs) >= {"ResNet widen x f", "MobileNet + a block", "NB201 C = 8, 16, 32, 64", "NB-Macro widths x f"}
    for name, (good, total) in pairs.items():
        assert total > 0 and good == total, name
