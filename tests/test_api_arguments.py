"""The public API refuses None, wrong types, NaN and out-of-range values in one line naming the argument (a
``TGNASError``, also the builtin it refines), on a single model and on a bundle alike (one set of checks:
``tgnas_naslib.checks``), and never drops or ignores what it was given."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tgnas_naslib import TGNAS
from tgnas_naslib.checks import SEED_MAX, ArgumentError, ArgumentTypeError
from tgnas_naslib.errors import TGNASError, one_line_error

BEST = (2, 2, 0, 2, 2, 2)
OTHER = (1, 2, 3, 4, 0, 1)
NB201 = "nasbench201"


@pytest.fixture(scope="module", params=["universal", "nb101"])
def model(request):
    """The default bundle and a single model: both must answer alike."""
    return TGNAS.pretrained(request.param)


def _refused(call, kind, match):
    with pytest.raises(kind, match=match) as info:
        call()
    assert isinstance(info.value, TGNASError) and "\n" not in one_line_error(info.value)


@pytest.mark.parametrize("call,kind,match", [
    (lambda m: m.score(None, NB201), ArgumentTypeError, "archs must be a list of architectures.*not NoneType"),
    (lambda m: m.score(5, NB201), ArgumentTypeError, "archs must be a list of architectures.*not int"),
    (lambda m: m.score(BEST, NB201), ArgumentTypeError, r"one tuple of numbers .*pass a list of architectures"),
    (lambda m: m.score([BEST], space=5), ArgumentTypeError, r"space must be a search space name.*not int \(5\)"),
    (lambda m: m.score([BEST], space=[5]), ArgumentTypeError, "every name must be a string, got int"),
    (lambda m: m.score([BEST], space=[NB201, NB201]), ArgumentError, "got 1 architectures but 2 space names"),
    (lambda m: m.score([BEST], NB201, batch_size=0), ArgumentError, "batch_size must be an integer >= 1, got 0"),
    (lambda m: m.score_iter([BEST], NB201, chunk=0), ArgumentError, "chunk must be an integer >= 1, got 0"),
    (lambda m: m.score_iter([BEST], NB201, chunk=-3), ArgumentError, "chunk must be an integer >= 1, got -3"),
    (lambda m: m.score_iter([BEST], NB201, chunk=2.5), ArgumentTypeError, "chunk must be an integer, not float"),
    (lambda m: m.score_iter(None, NB201), ArgumentTypeError, "archs must be an iterable of architectures"),
    (lambda m: m.score_iter([BEST], [NB201]), ArgumentTypeError, "one search space name .* for a stream"),
    (lambda m: m.score_graphs([BEST]), ArgumentTypeError, "graphs must hold ArchGraphs only, got tuple"),
    (lambda m: m.score_graphs(None), ArgumentTypeError, "graphs must be a list of ArchGraphs, not NoneType"),
])
def test_scoring_refuses_bad_arguments_in_one_line(model, call, kind, match):
    _refused(lambda: call(model), kind, match)


def test_score_iter_refuses_at_the_call_not_at_the_first_chunk(model):
    # chunk=0 used to return a generator that yielded nothing: every score silently missing
    with pytest.raises(ArgumentError):
        model.score_iter(iter([BEST]), NB201, chunk=0)
    chunks = list(model.score_iter(iter([BEST, OTHER, BEST]), NB201, chunk=2))
    assert [len(c) for c in chunks] == [2, 1]


@pytest.mark.parametrize("y,epochs,lr,seed,kind,match", [
    ([1.0, math.nan], 2, 3e-4, 0, ArgumentError, r"y has 1 label\(s\) that are not finite \(?.*y\[1\] = nan"),
    ([1.0, math.inf], 2, 3e-4, 0, ArgumentError, r"not finite numbers \(first: y\[1\] = inf"),
    ([1.0, 2.0, 3.0], 2, 3e-4, 0, ArgumentError, "got 2 architectures but 3 labels"),  # used to drop the 3rd
    ([1.0], 2, 3e-4, 0, ArgumentError, "got 2 architectures but 1 labels"),  # used to be a raw IndexError
    (None, 2, 3e-4, 0, ArgumentTypeError, "y must be a sequence of numbers"),
    (["a", "b"], 2, 3e-4, 0, ArgumentTypeError, "y must hold numbers only"),
    ([1.0, 2.0], 0, 3e-4, 0, ArgumentError, "epochs must be an integer >= 1, got 0"),
    ([1.0, 2.0], -1, 3e-4, 0, ArgumentError, "epochs must be an integer >= 1, got -1"),
    ([1.0, 2.0], 2, math.nan, 0, ArgumentError, "lr must be a finite number > 0, got nan"),
    ([1.0, 2.0], 2, 0.0, 0, ArgumentError, "lr must be a finite number > 0"),
    ([1.0, 2.0], 2, 3e-4, -1, ArgumentError, f"seed must be an integer from 0 to {SEED_MAX}, got -1"),
])
def test_finetune_refuses_labels_and_settings_it_would_ignore(model, y, epochs, lr, seed, kind, match):
    # refused before any training: the model is left as it was
    _refused(lambda: model.finetune([BEST, OTHER], y, NB201, epochs=epochs, lr=lr, seed=seed), kind, match)


def test_pretrained_refuses_a_wrong_type_in_one_line():
    _refused(lambda: TGNAS.pretrained(5), ArgumentTypeError, "a model is named by a string or a path, not int")


def test_valid_arguments_still_score(model):
    """The checks take every form they should: generators, numpy integers, one name per architecture."""
    a = model.score([BEST, OTHER], NB201)
    np.testing.assert_allclose(model.score((x for x in [BEST, OTHER]), [NB201, NB201]), a, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.score([BEST, OTHER], NB201, batch_size=np.int64(1)), a, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(np.concatenate(list(model.score_iter([BEST, OTHER], NB201, chunk=np.int32(1)))), a,
                               rtol=1e-6, atol=1e-9)


# --- the second sweep: every public function with None, wrong types and NaN -----------------------------------------
def _net():
    import torch

    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU())


@pytest.mark.parametrize("call,kind,match", [
    (lambda: TGNAS.load(None), ArgumentTypeError, "path must be a path .*not NoneType"),
    (lambda: TGNAS.load(5), ArgumentTypeError, "path must be a path .*not int"),
    (lambda: TGNAS.pretrained(device=None), ValueError, "device='None' is not a torch device"),
    (lambda: TGNAS.pretrained(device=5), ValueError, "device='5' is not a torch device"),
    (lambda: TGNAS.pretrained("nb101").score_module(_net(), space=5), ArgumentTypeError, "space must be one search"),
    (lambda: TGNAS.pretrained().score_module(_net(), space=5), ArgumentTypeError, "space must be one search"),
    (lambda: TGNAS.pretrained().describe(5), ArgumentTypeError, "space must be one search space name"),
])
def test_loading_and_modules_refuse_bad_arguments(call, kind, match):
    _refused(call, kind, match)


@pytest.mark.parametrize("kwargs,kind,match", [
    ({"model": None}, ArgumentTypeError, "model must be a TG-NAS model .*not NoneType"),
    ({"budget": math.nan}, ArgumentTypeError, "budget must be an integer, not float"),
    ({"budget": 2.5}, ArgumentTypeError, "budget must be an integer, not float"),
    ({"budget": 0}, ArgumentError, "budget must be an integer >= 1, got 0"),
    ({"seed": -1}, ArgumentError, "seed must be an integer from 0 to"),
    ({"seed": 2**32}, ArgumentError, "seed must be an integer from 0 to"),
])
def test_search_refuses_bad_arguments(kwargs, kind, match):
    from tgnas_naslib.search import search

    args = {"model": TGNAS.pretrained("nb101-text"), "budget": 8, "seed": 0, **kwargs}
    _refused(lambda: search("random", args["model"], "nasbench201", budget=args["budget"], seed=args["seed"]), kind,
             match)


def test_train_refuses_more_cv_folds_than_distinct_graphs(capsys, tmp_path):
    from tgnas_naslib.cli import main

    from conftest import requires_benchmark

    requires_benchmark("nb101_500")
    assert main(["train", "--cv-folds", "1000000000", "--out", str(tmp_path / "m.pt")]) == 2
    err = capsys.readouterr().err
    assert "--cv-folds 1000000000: NB101 has" in err and "distinct graphs" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "m.pt").exists()
