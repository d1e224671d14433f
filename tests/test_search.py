"""Architecture search: determinism, validity of every returned architecture, budgets, pruning, DARTS, CLI."""

import json

import numpy as np
import pytest
import torch

from tgnas_naslib import TGNAS
from tgnas_naslib.cli import build_parser, main
from tgnas_naslib.model.train import TrainConfig
from tgnas_naslib.search import SEARCHERS, prune_cost, search
from tgnas_naslib.search.encoding import DartsEncoding, encoding_for
from tgnas_naslib.search.prune import SupernetError, supernet
from tgnas_naslib.spaces import get_space

from conftest import requires_data

CELL_SPACES = ("nasbench201", "transbench101_micro")
ALL_SPACES = CELL_SPACES + ("nasbench301",)


def tiny_model(seed: int = 0) -> TGNAS:
    """An untrained one-layer GCN with random (seeded) weights: arbitrary but deterministic scores."""
    torch.manual_seed(seed)
    cfg = TrainConfig(hidden=8, layers=1)
    return TGNAS([cfg.build_model(cfg.embedder().dim)], cfg)


@pytest.fixture(scope="module")
def model():
    """The default model (the universal bundle: hierarchical skeleton members, zero-shot on every searchable space)."""
    return TGNAS.pretrained()


@pytest.fixture(scope="module")
def cell_model():
    """A cell-graph model: the one kind that reads pruning's supernets."""
    return TGNAS.pretrained("nb101")


def assert_valid(space_name, arch):
    space = get_space(space_name)
    assert space.canonical(arch) == arch
    assert space.to_graph(arch).is_connected
    if space_name == "nasbench301":
        for cell in arch:
            for k in range(0, 8, 2):
                node = 2 + k // 2
                (a, _), (b, _) = cell[k], cell[k + 1]
                assert a != b and 0 <= a < node and 0 <= b < node, cell


@pytest.mark.parametrize("method", ["evolution", "random", "hybrid", "prune"])
def test_deterministic_for_a_seed(model, cell_model, method):
    budget = {"hybrid": prune_cost("nasbench201") + 40, "prune": None}.get(method, 60)
    m = cell_model if method in ("hybrid", "prune") else model
    a, b = (search(method, m, "nasbench201", budget=budget, seed=3) for _ in range(2))
    assert (a.arch, a.score, a.n_scored, a.history) == (b.arch, b.score, b.n_scored, b.history)


@pytest.mark.parametrize("space,member", [("nasbench201", "lfo-nb201"), ("transbench101_micro", "lfo-nb201"),
                                          ("nasbench301", "lfo-nb301")])
def test_results_name_the_member_that_scored(model, space, member):
    r = search("evolution", model, space, budget=40, seed=0)
    assert r.to_dict()["model"]["member"] == member and r.model["evaluation"] == "zero-shot"
    r = search("random", TGNAS.pretrained(in_family=True), space, budget=20, seed=0)
    assert (r.model["member"], r.model["evaluation"]) == ("universal-all", "in-family")


@pytest.mark.parametrize("method", ["prune", "hybrid"])
def test_pruning_refuses_a_model_that_cannot_read_supernets(model, method):
    with pytest.raises(SupernetError, match="cannot read: it reads whole networks.*--checkpoint nb101"):
        search(method, model, "nasbench201")


@pytest.mark.parametrize("space", ALL_SPACES)
@pytest.mark.parametrize("method", ["evolution", "random"])
def test_returns_valid_architectures_within_budget(model, space, method):
    for seed in range(2):
        r = search(method, model, space, budget=50, seed=seed)
        assert_valid(space, r.arch)
        assert r.n_scored <= 50 and r.budget == 50
        assert np.isfinite(r.score)
        steps = [h["n_scored"] for h in r.history]
        assert steps == sorted(steps) and steps[-1] == r.n_scored


def test_evolution_spends_the_budget_and_caches(model):
    r = search("evolution", model, "nasbench201", budget=100, seed=0)
    assert r.n_scored == 100  # NB201 has 15,625 cells: the budget is reached before convergence
    assert r.details["model_calls"] <= len(r.history)  # at most one batched call per generation
    assert r.history[-1]["best"] == r.score


def test_darts_decoding_always_gives_two_distinct_inputs():
    enc = DartsEncoding()
    rng = np.random.default_rng(0)
    vectors = list(rng.random((500, enc.n_dims))) + [np.zeros(enc.n_dims), np.ones(enc.n_dims)]
    seen = set()
    for v in vectors:
        arch = enc.decode(v)
        assert_valid("nasbench301", arch)
        seen.update((2 + k // 2, arch[0][k][0]) for k in range(8))
    assert seen == {(node, src) for node in range(2, 6) for src in range(node)}  # every input is reachable


def test_cell_encoding_maps_unit_interval_evenly():
    enc = encoding_for(get_space("nasbench201"))
    assert enc.decode(np.array([0.0, 0.19, 0.2, 0.59, 0.99, 1.0])) == (0, 0, 1, 2, 4, 4)


@pytest.mark.parametrize("space", CELL_SPACES)
def test_supernet_graph_builder_handles_parallel_ops(space):
    adapter, net = get_space(space), supernet(get_space(space))
    rng = np.random.default_rng(0)
    for _ in range(20):  # one op per edge: exactly the adapter's graph
        arch = adapter.random(rng)
        assert net.graph([[o] for o in arch], "prune") == adapter.to_graph(arch)
    full = net.graph([list(range(len(adapter.operators)))] * 6, "prune")
    real = [o for o in adapter.operators if o not in ("none", "skip_connect")]
    assert sorted(full.ops[2:]) == sorted(real * 6)  # none dropped, skip as an edge, the rest in parallel


@pytest.mark.parametrize("space", CELL_SPACES)
def test_prune_ends_with_one_op_per_edge(cell_model, space):
    r = search("prune", cell_model, space)
    assert len(r.details["ops_per_edge"]) == 6
    assert [get_space(space).operators[o] for o in r.arch] == r.details["ops_per_edge"]
    assert_valid(space, r.arch)
    assert r.n_scored <= prune_cost(space) == r.budget
    assert len(r.history) == len(get_space(space).operators) - 1  # one round per removed op


@pytest.mark.parametrize("space", CELL_SPACES)
def test_prune_never_disconnects_under_arbitrary_scores(space):
    # applied together, per-edge removals could leave only `none` on the decisive edges; random models find it
    for seed in range(8):
        r = search("prune", tiny_model(seed), space)
        assert_valid(space, r.arch)
        assert np.isfinite(r.score)


@pytest.mark.slow
def test_prune_darts_keeps_two_inputs_per_node(cell_model):
    r = search("prune", cell_model, "darts")
    assert_valid("nasbench301", r.arch)
    assert len(r.details["ops_per_edge"]) == 28 and r.n_scored <= prune_cost("darts")


def test_hybrid_returns_the_better_and_sums_budgets(cell_model):
    r = search("hybrid", cell_model, "nasbench201", budget=prune_cost("nasbench201") + 60, seed=1)
    parts = r.details
    assert r.score == max(parts["prune"]["score"], parts["evolution"]["score"])
    assert r.n_scored == parts["prune"]["n_scored"] + parts["evolution"]["n_scored"] <= r.budget
    assert_valid("nasbench201", r.arch)


def test_random_baseline_respects_budget_and_small_spaces(model):
    r = search("random", model, "transbench101_micro", budget=5000, seed=0)
    assert r.n_scored == 4096  # the whole space, each cell once
    assert search("random", model, "nasbench201", budget=7, seed=0).n_scored == 7


@pytest.mark.parametrize("call,match", [
    (lambda m: search("annealing", m, "nasbench201"), "unknown search method"),
    (lambda m: search("evolution", m, "nasbench101"), "search does not support"),
    (lambda m: search("evolution", m, "nasbench999"), "unknown search space"),
    (lambda m: search("prune", TGNAS.pretrained("nb101"), "nasbench201", budget=10), "too small"),
    (lambda m: search("hybrid", TGNAS.pretrained("nb101"), "nasbench201", budget=90), "needs a budget of at least"),
    (lambda m: search("evolution", m, "nasbench201", budget=3), "at least 4"),
    (lambda m: search("random", m, "nasbench201", budget=0), "budget must be an integer >= 1, got 0"),
])
def test_bad_input_is_one_clear_error(model, call, match):
    with pytest.raises(ValueError, match=match):
        call(model)


def _cli_json(argv, capsys):
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    doc.pop("seconds"), doc.pop("load_seconds")
    return doc


def test_cli_json_parses_and_is_deterministic(tmp_path, capsys):
    argv = ["search", "--space", "nb201", "--method", "evolution", "--budget", "60", "--seed", "2", "--json",
            "--data-dir", str(tmp_path)]
    doc = _cli_json(argv, capsys)
    assert doc == _cli_json(argv, capsys)
    assert doc["space"] == "nasbench201" and doc["n_scored"] <= 60 and "|" in doc["arch"]
    assert doc["ground_truth"]["tasks"] == {} and "not available" in doc["ground_truth"]["note"]
    assert (doc["model"]["model"], doc["model"]["member"], doc["model"]["evaluation"]) == \
        ("universal", "lfo-nb201", "zero-shot")


def test_cli_offers_exactly_the_searchers():
    search_parser = build_parser()._subparsers._group_actions[0].choices["search"]
    method = next(a for a in search_parser._actions if a.dest == "method")
    assert list(method.choices) == list(SEARCHERS) == ["evolution", "prune", "hybrid", "random"]


def test_cli_reports_ground_truth(capsys):
    root = requires_data("nasbench201/nb201_zen_valacc_15625.zip").parent.parent
    doc = _cli_json(["search", "--method", "random", "--budget", "20", "--json", "--data-dir", str(root)], capsys)
    tasks = doc["ground_truth"]["tasks"]
    assert set(tasks) == {"cifar10", "cifar100", "ImageNet16-120"}
    assert all(1 <= t["rank"] <= 15625 and t["n"] == 15625 for t in tasks.values())
    assert main(["search", "--method", "prune", "--checkpoint", "nb101", "--data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "rank" in out and "ImageNet16-120" in out and "architectures (budget 85)" in out


@pytest.mark.parametrize("argv,match", [
    (["search", "--space", "nasbench999"], "unknown search space"),
    (["search", "--space", "transbench101_macro"], "search does not support"),
    (["search", "--method", "prune", "--checkpoint", "nb101", "--budget", "5"], "too small"),
    (["search", "--method", "prune"], "use --checkpoint nb101"),
    (["search", "--method", "hybrid", "--space", "darts"], "use --checkpoint nb101"),
])
def test_cli_errors_are_one_line(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_unknown_method_is_rejected(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["search", "--method", "annealing"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err
