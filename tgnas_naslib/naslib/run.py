"""Run NASLib-style experiments with TG-NAS: ``python -m tgnas_naslib.naslib.run --config configs/<file>.yaml``.

``experiment`` in the YAML picks the experiment (``key=value`` pairs after ``--config`` override keys):

* ``predictor_evaluation`` -- NASLib's ``PredictorEvaluator`` (fit on ``train_size_single`` archs, query
  ``test_size`` archs; ``experiment_type`` single / vary_train_size). ``predictor: tgnas`` is
  :class:`~tgnas_naslib.naslib.predictor.TGNASPredictor` (``zero_shot`` key); any other name is built
  by NASLib's ``Ensemble`` (``xgb``, ``gp``, ``mlp``, ...). Ground truth: an offline NB201 ``dataset_api``
  of the 15,625 validation accuracies. Writes
  ``{out_dir}/{search_space}/{dataset}/predictors/{predictor}/{seed}/errors.json`` like NASLib's runner.
* ``search`` -- NASLib's ``Trainer`` with ``optimizer: tgnas_evolution`` (TG-NAS Algorithm 1,
  :class:`~tgnas_naslib.naslib.optimizer.TGNASEvolution`) or ``tgnas_bananas`` (Bananas, whose
  ``search.zc_names`` may hold ``tgnas``); ``search:`` holds NASLib's ``config.search`` keys.
* ``zc`` -- the NAS-Bench-Suite-Zero correlation experiment: ``test_size`` (1000) architectures drawn with
  ``seed`` (9000) from ``benchmark`` (a ``tgnas_naslib.datasets`` catalog name; default per space below),
  ground truth = its ``val_accuracy``; ``predictor: tgnas`` is scored here (data-free), another proxy name
  is read from the benchmark file's stored scores. Metrics: NASLib's ``compute_scores``. Writes
  ``{out_dir}/{config_type}/{search_space}/{dataset}/{predictor}/{seed}/scores.json`` = [config, results].

``data_dir`` (or ``$TGNAS_DATA_DIR``) is the benchmark data directory.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

import tgnas_naslib.naslib  # noqa: F401  (compat + registration)

from .predictor import TGNASPredictor, naslib_scores, pretrained_model

logger = logging.getLogger("tgnas_naslib.naslib.run")

#: default ground-truth benchmark of the zc experiment per (search space, dataset)
ZC_BENCHMARKS = {
    "nasbench201": "nb201_{dataset}_15625",
    "nasbench101": "nb101_500",
    "nasbench301": "nb301_500",
    "transbench101_micro": "tnb101_micro_{dataset}_4096",
}

DEFAULTS = {
    "zc": {"config_type": "zc", "test_size": 1000, "seed": 9000, "out_dir": "run", "predictor": "tgnas",
           "search_space": "nasbench201", "dataset": "cifar10", "benchmark": None, "data_dir": None},
    "predictor_evaluation": {"test_size": 100, "train_size_single": 10, "train_size_list": [10],
                             "experiment_type": "single", "fidelity_single": 5, "fidelity_list": [5],
                             "max_hpo_time": 0, "uniform_random": 1, "seed": 0, "out_dir": "run",
                             "predictor": "tgnas", "search_space": "nasbench201", "dataset": "cifar10",
                             "zero_shot": True, "finetune_epochs": 50, "data_dir": None},
    "search": {"optimizer": "tgnas_evolution", "search_space": "nasbench201", "dataset": "cifar10", "seed": 0,
               "out_dir": "run", "data_dir": None, "search": {}},
}


def _cfgnode(d: dict):
    from fvcore.common.config import CfgNode

    return CfgNode({k: (_cfgnode(v) if isinstance(v, dict) else v) for k, v in d.items()})


def load_config(path: str | os.PathLike | None, overrides: list[str] | None = None) -> dict:
    """The YAML config (a flat dict) with defaults for its ``experiment`` and ``key=value`` overrides."""
    raw: dict = {}
    if path is not None:
        with open(path) as f:
            raw = yaml.safe_load(f) or {}
    for item in overrides or []:
        key, _, value = item.partition("=")
        raw[key.strip()] = yaml.safe_load(value)
    experiment = raw.get("experiment", "zc")
    if experiment not in DEFAULTS:
        raise ValueError(f"unknown experiment {experiment!r}; choose from {', '.join(DEFAULTS)}")
    return {"experiment": experiment, **DEFAULTS[experiment], **raw}


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


# ------------------------------------------------------------------------------------------------------
# zero-cost correlation
# ------------------------------------------------------------------------------------------------------
def zc_save_dir(cfg: dict) -> Path:
    return (Path(cfg["out_dir"]) / cfg["config_type"] / cfg["search_space"] / cfg["dataset"] / cfg["predictor"]
            / str(cfg["seed"]))


def run_zc(cfg: dict, model: Any = None) -> dict:
    """The zero-cost correlation experiment (see module doc); returns NASLib's metrics dict and writes scores.json."""
    from naslib.utils import compute_scores

    from tgnas_naslib.datasets import load_benchmark

    space, dataset = cfg["search_space"], cfg["dataset"]
    name = cfg.get("benchmark") or ZC_BENCHMARKS[space].format(dataset=dataset)
    from .benchmark_api import default_data_dir

    bench = load_benchmark(name, default_data_dir(cfg.get("data_dir")))
    records = [r for r in bench.records if r.y is not None]
    n = min(int(cfg["test_size"]), len(records))
    rng = np.random.RandomState(int(cfg["seed"]))
    chosen = [records[i] for i in sorted(rng.choice(len(records), size=n, replace=False))]
    ytest = np.array([r.y for r in chosen], dtype=float)
    t0 = time.perf_counter()
    if cfg["predictor"] == "tgnas":
        model = model or pretrained_model()
        pred = naslib_scores(model.score([r.arch for r in chosen], space=space))
    else:
        missing = [r.arch for r in chosen if cfg["predictor"] not in r.proxies]
        if missing:
            raise KeyError(f"{name} has no stored {cfg['predictor']!r} score for {len(missing)} of the {n} "
                           f"architectures (e.g. {missing[0]}); TG-NAS is computed here, other proxies are read "
                           "from the benchmark file")
        pred = naslib_scores([r.proxies[cfg["predictor"]] for r in chosen])
    query_time = (time.perf_counter() - t0) / max(n, 1)
    results = compute_scores(ytest=ytest, test_pred=pred)
    results.update({"train_size": 0, "test_size": n, "query_time": query_time, "benchmark": name,
                    "predictor": cfg["predictor"]})
    save = zc_save_dir(cfg)
    save.mkdir(parents=True, exist_ok=True)
    with open(save / "scores.json", "w") as f:
        json.dump(_jsonable([{**cfg, "save": str(save)}, results]), f)
    results["save"] = str(save)
    return results


# ------------------------------------------------------------------------------------------------------
# predictor evaluation
# ------------------------------------------------------------------------------------------------------
def predictor_save_dir(cfg: dict) -> Path:
    return (Path(cfg["out_dir"]) / cfg["search_space"] / cfg["dataset"] / "predictors" / cfg["predictor"]
            / str(cfg["seed"]))


def build_predictor(cfg: dict, ss_type: str):
    """``tgnas`` -> TGNASPredictor; any other name -> NASLib's predictor of that name (via Ensemble, 1 member)."""
    name = cfg["predictor"]
    if name == "tgnas":
        return TGNASPredictor(ss_type=ss_type, zero_shot=bool(cfg.get("zero_shot", True)),
                              epochs=int(cfg.get("finetune_epochs", 50)), seed=int(cfg["seed"]))
    from .registry import TGNASEnsemble

    ens = TGNASEnsemble(num_ensemble=1, predictor_type=name, ss_type=ss_type, hpo_wrapper=False,
                        config=_cfgnode({"search": {"seed": cfg["seed"]}}))
    try:
        return ens.get_ensemble()[0]
    except KeyError:
        raise ValueError(f"unknown predictor {name!r}: use tgnas or a NASLib Ensemble predictor name") from None


def run_predictor_evaluation(cfg: dict) -> list:
    """NASLib's PredictorEvaluator on NB201 with an offline dataset_api; returns its results list."""
    from naslib import utils
    from naslib.defaults.predictor_evaluator import PredictorEvaluator
    from naslib.search_spaces import get_search_space

    from .benchmark_api import nb201_dataset_api
    from .fast import spec_only

    if cfg["search_space"] != "nasbench201":
        raise NotImplementedError("the offline predictor evaluation has ground truth for nasbench201 only "
                                  "(use experiment: zc for the other spaces)")
    save = predictor_save_dir(cfg)
    save.mkdir(parents=True, exist_ok=True)
    config = _cfgnode({**{k: v for k, v in cfg.items() if v is not None}, "save": str(save)})
    utils.set_seed(int(cfg["seed"]))
    api = nb201_dataset_api(cfg["dataset"], cfg.get("data_dir"))
    ss = spec_only(get_search_space(cfg["search_space"], cfg["dataset"]))
    predictor = build_predictor(cfg, ss.get_type())
    evaluator = PredictorEvaluator(predictor, config=config)
    evaluator.adapt_search_space(ss, load_labeled=False, dataset_api=api)
    return evaluator.evaluate()


# ------------------------------------------------------------------------------------------------------
# search (NASLib Trainer)
# ------------------------------------------------------------------------------------------------------
def run_search(cfg: dict) -> dict:
    """NASLib's Trainer with ``optimizer: tgnas_evolution`` (TGNASEvolution) or ``tgnas_bananas`` (TGNASBananas).

    NB201 runs get the offline dataset_api (incumbent accuracies; Bananas needs it); other spaces run
    without one (evolution only). Writes NASLib's errors.json under ``{out_dir}/{search_space}/{dataset}/
    {optimizer}/{seed}``; returns the best architecture's hash, score and (NB201) accuracy.
    """
    from naslib.defaults.trainer import Trainer
    from naslib.search_spaces import get_search_space

    from .benchmark_api import nb201_dataset_api
    from .optimizer import TGNASEvolution
    from .registry import TGNASBananas

    save = Path(cfg["out_dir"]) / cfg["search_space"] / cfg["dataset"] / cfg["optimizer"] / str(cfg["seed"])
    (save / "search").mkdir(parents=True, exist_ok=True)
    (save / "eval").mkdir(parents=True, exist_ok=True)
    config = _cfgnode({**{k: v for k, v in cfg.items() if v is not None}, "save": str(save)})
    api = nb201_dataset_api(cfg["dataset"], cfg.get("data_dir")) if cfg["search_space"] == "nasbench201" else None
    ss = get_search_space(cfg["search_space"], cfg["dataset"])
    if cfg["optimizer"] == "tgnas_evolution":
        ss.instantiate_model = False
        opt = TGNASEvolution(config)
    elif cfg["optimizer"] == "tgnas_bananas":
        if api is None:
            raise NotImplementedError("Bananas trains on benchmark accuracies: offline ground truth exists for "
                                      "nasbench201 only")
        ss.instantiate_model = bool(getattr(config.search, "zc", False))  # zc proxies run on parsed graphs
        opt = TGNASBananas(config)
    else:
        raise ValueError(f"unknown optimizer {cfg['optimizer']!r}; choose tgnas_evolution or tgnas_bananas")
    opt.adapt_search_space(ss, dataset_api=api)
    trainer = Trainer(opt, config, lightweight_output=True)
    trainer.search(report_incumbent=api is not None)
    best = opt.get_final_architecture()
    out = {"best_hash": tgnas_naslib.naslib.zc_key(best), "save": str(save)}
    if getattr(opt, "best_score", None) is not None:
        out["best_score"] = float(opt.best_score)
    if api is not None:
        from naslib.search_spaces.core.query_metrics import Metric

        out["val_accuracy"] = float(best.query(Metric.VAL_ACCURACY, cfg["dataset"], dataset_api=api))
    return out


def run(cfg: dict) -> Any:
    if cfg["experiment"] == "zc":
        return run_zc(cfg)
    if cfg["experiment"] == "search":
        return run_search(cfg)
    return run_predictor_evaluation(cfg)


METRICS = ("mae", "rmse", "pearson", "spearman", "kendalltau", "kt_2dec", "kt_1dec", "precision_10",
           "precision_20")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tgnas_naslib.naslib.run", description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="YAML config (see configs/)")
    parser.add_argument("overrides", nargs="*", help="key=value overrides, e.g. test_size=200 seed=9001")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cfg = load_config(args.config, args.overrides)
    out = run(cfg)
    if cfg["experiment"] == "search":
        print(json.dumps(out))
        return 0
    rows = [out] if isinstance(out, dict) else [r for r in out[1:]]
    for res in rows:
        shown = {k: round(float(res[k]), 4) for k in METRICS if k in res and res[k] is not None}
        print(f"{cfg['experiment']}: {cfg['search_space']}/{cfg['dataset']} predictor={cfg['predictor']} "
              f"seed={cfg['seed']} test_size={res.get('test_size', cfg['test_size'])}: "
              + ", ".join(f"{k} {v}" for k, v in shown.items()))
    where = out["save"] if isinstance(out, dict) else str(predictor_save_dir(cfg))
    print(f"results written under {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
