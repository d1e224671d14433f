"""NASLib itself, through tgnas_naslib.naslib's compatibility layer (needs a NASLib checkout on sys.path)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

from conftest import requires_benchmark

if importlib.util.find_spec("naslib") is None:
    pytest.skip("NASLib is not importable (scripts/setup_naslib.sh /path/to/NASLib enables these tests)",
                allow_module_level=True)

import numpy as np  # noqa: E402

import tgnas_naslib.naslib as tn  # noqa: E402
from tgnas_naslib.naslib import compat  # noqa: E402

pytestmark = pytest.mark.naslib

# |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|
BEST_NB201 = (2, 2, 0, 2, 2, 2)


def _data_dir() -> Path:
    return compat.default_cifar10_npz().parents[1]


@pytest.fixture(scope="module")
def cifar_npz() -> Path:
    path = compat.default_cifar10_npz()
    if not path.is_file():
        pytest.skip(f"CIFAR-10 test images not found: {path} (set TGNAS_DATA_DIR to a benchmarks_data directory)")
    return path


@pytest.fixture(scope="module")
def nb201_zc() -> dict:
    path = _data_dir() / "nasbench201" / "zc_nasbench201_491.json"
    if not path.is_file():
        pytest.skip(f"benchmark data file not found: {path} (set TGNAS_DATA_DIR)")
    with open(path) as f:
        return json.load(f)["nasbench201"]


def test_naslib_modules_import():
    for name in ("naslib.search_spaces", "naslib.predictors", "naslib.optimizers", "naslib.defaults.trainer",
                 "naslib.defaults.predictor_evaluator", "naslib.evaluators.zc_evaluator",
                 "naslib.predictors.ensemble", "naslib.predictors.utils.pruners.measures"):
        importlib.import_module(name)
    # the stand-in is gone from sys.modules again (transformers & co. probe for torchvision with find_spec)
    assert not compat.torchvision_is_standin()
    tv = sys.modules["naslib.utils.dataset"].dset
    assert tv is not None  # NASLib keeps its reference (stand-in or real torchvision.datasets)


def test_compute_scores_is_finite():
    from naslib.utils import compute_scores

    rng = np.random.default_rng(0)
    y = np.linspace(60.0, 94.0, 50)
    pred = y + rng.normal(0, 3, size=y.shape)
    res = compute_scores(y, pred)
    for key in ("mae", "rmse", "pearson", "spearman", "kendalltau"):
        assert math.isfinite(res[key]), (key, res[key])
    assert res["rmse"] == pytest.approx(float(np.sqrt(np.mean((y - pred) ** 2))))
    from scipy import stats

    assert res["spearman"] == pytest.approx(stats.spearmanr(y, pred)[0])
    assert res["kendalltau"] == pytest.approx(stats.kendalltau(y, pred)[0])


def test_nb201_set_spec_and_hash():
    from naslib.search_spaces import get_search_space

    ss = get_search_space("nasbench201", "cifar10")
    ss.instantiate_model = False
    g = ss.clone()
    g.set_spec(BEST_NB201)
    assert tuple(g.get_hash()) == BEST_NB201
    assert g.get_type() == "nasbench201"
    assert tn.zc_key(g) == "(2, 2, 0, 2, 2, 2)"


def test_sampled_hashes_need_plain_hash():
    from naslib.search_spaces import get_search_space

    for space, dataset in (("transbench101_micro", "jigsaw"), ("nasbench301", "cifar10")):
        ss = get_search_space(space, dataset)
        ss.instantiate_model = False
        g = ss.clone()
        g.sample_random_architecture(dataset_api=None)
        key = tn.zc_key(g)
        assert "np." not in key and "int64" not in key
        # the key parses back into a spec that gives the same architecture
        g2 = ss.clone()
        g2.set_spec(ast.literal_eval(key))
        assert tn.zc_key(g2) == key

    # NB201: mutate() draws the new op with np.random.choice -> np.int64 inside the hash
    ss = get_search_space("nasbench201", "cifar10")
    ss.instantiate_model = False
    parent = ss.clone()
    parent.set_spec(BEST_NB201)
    child = ss.clone()
    child.mutate(parent)
    assert any(isinstance(v, np.integer) for v in child.get_hash())
    key = tn.zc_key(child)
    assert "np." not in key and ast.literal_eval(key) == tuple(int(v) for v in child.get_hash())


def test_zc_keys_match_naslib_zc_json(nb201_zc):
    from naslib.search_spaces import get_search_space

    ss = get_search_space("nasbench201", "cifar10")
    ss.instantiate_model = False
    keys = list(nb201_zc["cifar10"])[:8]  # clone() deep-copies a whole network: ~0.5 s each
    for key in keys:
        g = ss.clone()
        g.set_spec(ast.literal_eval(key))
        assert tn.zc_key(g) in nb201_zc["cifar10"]

    nb301 = _data_dir() / "nasbench301" / "zc_nasbench301_500.json"
    if nb301.is_file():
        with open(nb301) as f:
            d = json.load(f)["nasbench301"]["cifar10"]
        ss = get_search_space("nasbench301", "cifar10")
        ss.instantiate_model = False
        for key in list(d)[:4]:  # ~1.2 s per NB301 clone()
            g = ss.clone()
            g.set_spec(ast.literal_eval(key))
            assert tn.zc_key(g) == key


def test_zerocost_params_on_parsed_nb201_graph(cifar_npz):
    from naslib.predictors import ZeroCost
    from naslib.search_spaces import get_search_space

    ss = get_search_space("nasbench201", "cifar10")
    g = ss.clone()
    g.set_spec(BEST_NB201)
    g.parse()
    loader = tn.cifar10_loader(cifar_npz, batch_size=16)
    score = ZeroCost(method_type="params").query(g, dataloader=loader)
    assert math.isfinite(score)
    assert score == pytest.approx(1.288506, rel=1e-6)  # millions of parameters of the best NB201 cell


@pytest.mark.slow
def test_zerocost_matches_naslib_published_scores(cifar_npz, nb201_zc):
    """params / flops computed here equal NAS-Bench-Suite-Zero's values in NASLib's zc_nasbench201.json."""
    from naslib.predictors import ZeroCost
    from naslib.search_spaces import get_search_space

    key = "(4, 3, 3, 3, 2, 3)"
    ss = get_search_space("nasbench201", "cifar10")
    g = ss.clone()
    g.set_spec(ast.literal_eval(key))
    g.parse()
    loader = tn.cifar10_loader(cifar_npz, batch_size=16)
    for name in ("params", "flops"):
        assert ZeroCost(method_type=name).query(g, dataloader=loader) == pytest.approx(
            nb201_zc["cifar10"][key][name], rel=1e-6)


def test_get_train_val_loaders_serves_offline_cifar10(cifar_npz):
    import copy

    from naslib import utils
    from naslib.optimizers.discrete.bananas import optimizer as bananas_mod

    original = sys.modules["naslib.utils.dataset"].get_train_val_loaders
    tn.apply_compat(cifar_npz=cifar_npz)
    tn.apply_compat(cifar_npz=cifar_npz)  # idempotent
    patched = utils.get_train_val_loaders
    assert getattr(patched, "npz_path", None) == str(cifar_npz)
    assert bananas_mod.get_train_val_loaders is patched  # `from naslib.utils import get_train_val_loaders`
    assert patched.original in (original, getattr(original, "original", None))

    config = utils.load_default_config("zc")  # NASLib's own zc config (dataset cifar10, batch_size 32)
    config.search = copy.deepcopy(config)
    train_q, valid_q, test_q, _train_tf, valid_tf = utils.get_train_val_loaders(config, mode="train")
    x, y = next(iter(train_q))
    assert x.shape == (config.batch_size, 3, 32, 32) and y.dtype.is_floating_point is False
    n_train = int(np.floor(config.train_portion * 1000))
    assert (len(train_q.dataset), len(valid_q.dataset), len(test_q.dataset)) == (n_train, 1000 - n_train, 1000)
    img = np.zeros((32, 32, 3), dtype=np.uint8)
    assert tuple(valid_tf(img).shape) == (3, 32, 32)


def test_gpwl_predictor_fits_on_networkx_graphs():
    """GPWL builds np.array over networkx graphs (numpy >= 1.24 fix) and uses collections.Iterable."""
    from naslib.predictors import GPWLPredictor
    from naslib.search_spaces import get_search_space

    rng = np.random.default_rng(0)
    specs = [tuple(int(v) for v in rng.integers(0, 5, size=6)) for _ in range(14)]
    graphs = []
    for spec in specs:
        g = get_search_space("nasbench201", "cifar10")  # a fresh space: cheaper than ss.clone()
        g.set_spec(spec)  # GPWL reads the ops from an instantiated (not necessarily parsed) graph
        graphs.append(g)
    y = rng.uniform(60, 90, size=len(graphs))
    pred = GPWLPredictor(ss_type="nasbench201", kernel_type="wloa", optimize_gp_hyper=False, h=1)
    pred.fit(graphs[:10], y[:10])
    out = np.asarray(pred.query(graphs[10:]))
    assert out.shape == (4,) and np.all(np.isfinite(out))


def test_lce_m_curve_model_uses_getargspec():
    from naslib.predictors.lce_m import curvefunctions
    from naslib.predictors.lce_m.curvemodels import CurveModel

    model = CurveModel(function=curvefunctions.pow3, min_vals={}, max_vals={}, default_vals={})
    assert model.function_params == ["c", "a", "alpha"]


def test_count_parameters_in_mb_numpy_sum_generator():
    import torch
    from naslib.optimizers.discrete.re import optimizer as re_mod
    from naslib.utils import count_parameters_in_MB

    net = torch.nn.Linear(10, 10)  # 110 parameters
    assert count_parameters_in_MB(net) == pytest.approx(110 / 1e6)
    assert re_mod.count_parameters_in_MB(net) == pytest.approx(110 / 1e6)  # the name optimizers bound


@pytest.mark.slow
def test_trainer_runs_regularized_evolution_offline(tmp_path):
    """NASLib's Trainer drives RegularizedEvolution on NB201 with a dataset_api stub of real val accuracies."""
    import zipfile

    from fvcore.common.config import CfgNode
    from naslib.defaults.trainer import Trainer
    from naslib.optimizers import RegularizedEvolution
    from naslib.search_spaces import get_search_space
    from naslib.search_spaces.nasbench201.conversions import convert_op_indices_to_str

    path = _data_dir() / "nasbench201" / "nb201_zen_valacc_15625.zip"
    if not path.is_file():
        pytest.skip(f"benchmark data file not found: {path} (set TGNAS_DATA_DIR)")
    nb201_data = {}
    with zipfile.ZipFile(path) as z:
        for member in z.namelist():
            if "--cifar10--" not in member:
                continue
            for rec in json.loads(z.read(member)):
                acc = rec["val_accuracy"]
                arch_str = convert_op_indices_to_str(ast.literal_eval(rec["arch"]))
                nb201_data[arch_str] = {"cifar10-valid": {"eval_acc1es": [acc], "train_acc1es": [acc],
                                                          "cost_info": {"train_time": 0.0}}}
    assert len(nb201_data) == 15625
    api = {"nb201_data": nb201_data}

    save = tmp_path / "run"
    (save / "search").mkdir(parents=True)  # NASLib's get_config_from_args makes these; the checkpointer needs them
    (save / "eval").mkdir()
    search = CfgNode({"seed": 0, "epochs": 15, "sample_size": 3, "population_size": 8, "checkpoint_freq": 1000})
    config = CfgNode({"dataset": "cifar10", "search_space": "nasbench201", "seed": 0, "save": str(save),
                      "search": search})
    ss = get_search_space("nasbench201", "cifar10")
    ss.instantiate_model = False
    opt = RegularizedEvolution(config)
    opt.adapt_search_space(ss, dataset_api=api)
    trainer = Trainer(opt, config, lightweight_output=True)  # calls get_model_size(): np.sum(generator)
    trainer.search(report_incumbent=True)
    best = opt.get_final_architecture()
    acc = trainer.evaluate(dataset_api=api, best_arch=best)
    assert acc == max(m.accuracy for m in opt.history)
    assert 80.0 < acc < 92.0
    assert (save / "errors.json").is_file() and (save / "search" / "model_final.pth").is_file()


# ---------------------------------------------------------------------------------------------------
# TG-NAS inside NASLib: measure, predictor, Bananas, evolution under Trainer, runner
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tg_model():
    return tn.configured_model()  # shared by every TG-NAS object in the process (~20 s to load once)


def test_zerocost_tgnas_equals_core_score(cifar_npz, tg_model):
    from naslib.predictors import ZeroCost
    from naslib.predictors.utils.pruners import measures
    from naslib.search_spaces import get_search_space

    assert "tgnas" in measures._measure_impls
    assert tn.register() is False  # idempotent
    ss = get_search_space("nasbench201", "cifar10")
    g = ss.clone()
    g.set_spec(BEST_NB201)
    g.parse()
    loader = tn.cifar10_loader(cifar_npz, batch_size=8)
    score = ZeroCost("tgnas").query(g, dataloader=loader)
    assert score == pytest.approx(tg_model.score([BEST_NB201], space="nasbench201")[0], rel=1e-9)
    pred = tn.TGNASPredictor()
    assert pred.query(g, dataloader=loader) == pytest.approx(score)
    out = pred.query([g, g])
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    # no input->output path: -inf in the core, NASLib's -1e8 here
    ss.instantiate_model = False
    dead = ss.clone()
    dead.set_spec((1, 1, 1, 1, 1, 1))
    assert ZeroCost("tgnas").query(dead, dataloader=loader) == -1e8
    assert pred.query([dead])[0] == -1e8


def test_predictor_evaluator_with_tgnas(tmp_path, tg_model):
    requires_benchmark("nb201_cifar10_15625")
    from tgnas_naslib.naslib import run

    cfg = run.load_config("configs/nb201_cifar10_predictor_tgnas.yaml",
                          [f"out_dir={tmp_path}", "test_size=100", "train_size_single=10"])
    results = run.run(cfg)
    res = results[1]
    assert 0.3 < res["spearman"] <= 1.0 and 0.2 < res["kendalltau"] <= 1.0
    assert (tmp_path / "nasbench201" / "cifar10" / "predictors" / "tgnas" / "0" / "errors.json").is_file()


def test_tgnas_predictor_few_shot_and_deepcopy(tg_model):
    import copy

    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    graphs = [_FakeNB201(tuple(int(v) for v in rng.integers(0, 5, size=6))) for _ in range(12)]
    pred = tn.TGNASPredictor(zero_shot=False, epochs=30)
    clone = copy.deepcopy(pred)
    assert clone.base_model is pred.base_model
    base = pred.query(graphs)
    live = base > -1e8  # NASLib's score of an architecture with no input->output path (never trained on)
    assert live.sum() >= 8
    y = 80.0 - base  # labels that rank the connected archs exactly against the pretrained model
    assert spearmanr(base[live], y[live]).statistic == pytest.approx(-1.0)
    pred.fit(graphs, y)
    assert pred._tuned is not None and pred._tuned is not tg_model
    tuned = pred.query(graphs)
    assert tuned.shape == (12,) and (tuned[~live] == -1e8).all()
    # fitting moved the ranking towards the labels: from -1 to about 0 (-0.01 here; seeded). The default's size term
    # is a monotone capacity prior that 12 labels ranking against capacity do not overrule (docs/hierarchical.md)
    assert spearmanr(tuned[live], y[live]).statistic > -0.5
    assert np.array_equal(tn.TGNASPredictor().query(graphs), base)  # the pretrained model is untouched
    zs = tn.TGNASPredictor()
    assert zs.fit(graphs, y) is None and zs._tuned is None


@pytest.mark.parametrize("call,match", [
    (lambda p, g: p.query(None), "xtest must be a list of architectures"),  # a raw TypeError before
    (lambda p, g: p.fit(None, [1.0, 2.0]), "xtrain must be a list of architectures"),
    (lambda p, g: p.fit(g, [1.0, float("nan"), 2.0]), r"ytrain has 1 label\(s\) that are not finite"),
    (lambda p, g: p.fit(g, [1.0, 2.0, 3.0, 4.0]), "got 3 architectures but 4 labels in ytrain"),  # 4th was dropped
    (lambda p, g: p.fit(g, [1.0, 2.0]), "got 3 architectures but 2 labels in ytrain"),  # a raw IndexError before
    (lambda p, g: tn.TGNASPredictor(epochs=0), "epochs must be an integer >= 1, got 0"),
    (lambda p, g: tn.TGNASPredictor(lr=float("inf")), "lr must be a finite number > 0, got inf"),
    (lambda p, g: tn.TGNASPredictor(model=5), "model must be a TG-NAS model, a shipped model name or a checkpoint"),
])
def test_tgnas_predictor_refuses_bad_arguments_in_one_line(tg_model, call, match):
    from tgnas_naslib.errors import TGNASError

    pred = tn.TGNASPredictor(zero_shot=False, epochs=1)
    graphs = [_FakeNB201(BEST_NB201), _FakeNB201((1, 2, 3, 4, 0, 1)), _FakeNB201((3, 3, 3, 3, 3, 3))]
    with pytest.raises(TGNASError, match=match):
        call(pred, graphs)
    assert pred._tuned is None  # nothing was fitted


class _FakeNB201:
    def __init__(self, h):
        self.h = h

    def get_type(self):
        return "nasbench201"

    def get_hash(self):
        return self.h


def _nb201_api():
    requires_benchmark("nb201_cifar10_15625")
    return tn.OfflineDatasetAPI("nasbench201", "cifar10")


def test_bananas_with_tgnas_zc_feature(tmp_path, cifar_npz, tg_model):
    from tgnas_naslib.naslib import run

    _nb201_api()
    cfg = run.load_config("configs/bananas_nb201_zc_tgnas.yaml", [f"out_dir={tmp_path}", "search.epochs=3",
                          "search.num_init=2", "search.k=1", "search.num_candidates=3", "search.predictor_type=tgnas"])
    out = run.run(cfg)
    assert 0.0 < out["val_accuracy"] < 100.0 and out["test_accuracy"] is None  # not in the data


def test_evolution_under_trainer_nb201(tmp_path, tg_model):
    from tgnas_naslib.naslib import run

    _nb201_api()
    cfg = run.load_config("configs/evolution_nb201_tgnas.yaml", [f"out_dir={tmp_path}", "search.epochs=6",
                                                                 "search.population_size=10"])
    out = run.run(cfg)
    assert np.isfinite(out["tgnas_score"]) and out["val_accuracy"] > 60.0
    assert out["tgnas_score"] == pytest.approx(tg_model.score([ast.literal_eval(out["best_hash"])],
                                                              space="nasbench201")[0])
    assert (Path(out["save"]) / "errors.json").is_file()


def test_evolution_under_trainer_darts(tmp_path, tg_model):
    from tgnas_naslib.naslib import run

    cfg = run.load_config("configs/evolution_darts_tgnas.yaml", [f"out_dir={tmp_path}", "search.epochs=3",
                                                                 "search.population_size=6"])
    out = run.run(cfg)
    assert np.isfinite(out["tgnas_score"]) and "val_accuracy" not in out
    log = (Path(out["save"]) / "log.log").read_text()
    assert "TG-NAS generation 2: best score" in log  # each generation's best is logged
    assert "Train accuracy: -1" not in log and "Train accuracy: nan" in log  # not available, not -1
    assert "arch_weights.pt is not written" in log and not (Path(out["save"]) / "arch_weights.pt").exists()


def test_runner_writes_zc_scores(tmp_path, tg_model):
    requires_benchmark("nb201_cifar10_15625")
    from tgnas_naslib.naslib import run

    rc = run.main(["--config", "configs/correlation_nasbench201_cifar10_tgnas.yaml", f"out_dir={tmp_path}",
                   "test_size=200"])
    assert rc == 0
    path = tmp_path / "zc" / "nasbench201" / "cifar10" / "tgnas" / "9000" / "scores.json"
    config, results = json.loads(path.read_text())
    assert config["seed"] == 9000 and results["test_size"] == 200
    assert 0.4 < results["spearman"] < 1.0 and 0.3 < results["kendalltau"] < 1.0


def test_every_few_shot_entry_point_fine_tunes_with_the_one_default_recipe():
    """TGNAS.finetune, NASLib's predictor, the Ensemble members NASLib's optimizers build and the project runner's
    ``finetune_epochs`` all take the recipe of names.py (chosen on NB101 only, experiments/fewshot_select.py)."""
    import inspect

    from tgnas_naslib import TGNAS
    from tgnas_naslib.names import FINETUNE_EPOCHS, FINETUNE_LR
    from tgnas_naslib.naslib.predictor import TGNASPredictor
    from tgnas_naslib.naslib.runconfig import DEFAULTS

    sig = inspect.signature(TGNAS.finetune).parameters
    assert (sig["epochs"].default, sig["lr"].default) == (FINETUNE_EPOCHS, FINETUNE_LR)
    assert TGNASPredictor(ss_type="nasbench201").hyperparams == {"zero_shot": True, "epochs": FINETUNE_EPOCHS,
                                                                 "lr": FINETUNE_LR}
    assert DEFAULTS["predictor_evaluation"]["finetune_epochs"] == FINETUNE_EPOCHS
    from naslib.predictors.ensemble import Ensemble

    members = Ensemble(num_ensemble=2, ss_type="nasbench201", predictor_type="tgnas").get_ensemble()
    assert [m.hyperparams["epochs"] for m in members] == [FINETUNE_EPOCHS] * 2
