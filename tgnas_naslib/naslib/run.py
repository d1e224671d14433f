"""Run NASLib experiments with TG-NAS.

``python -m tgnas_naslib.naslib.run --config configs/<file>.yaml [key=value ...]``.

``experiment`` picks one of three (``key=value`` overrides after ``--config``; ``search.epochs=3`` for nested keys):

* ``zc`` -- the NAS-Bench-Suite-Zero correlation: ``test_size`` (1000) architectures drawn with ``seed`` (9000)
  from the ground-truth ``benchmark``, which follows from ``(search_space, dataset)`` unless given (a given one
  must hold exactly that space and dataset). ``predictor: tgnas`` is scored here (data-free); another proxy is
  read from the benchmark file's stored scores. Metrics: NASLib's ``compute_scores``. Writes
  ``{out_dir}/{config_type}/{search_space}/{dataset}/{predictor}/{seed}/scores.json`` = [config, results].
* ``predictor_evaluation`` -- NASLib's ``PredictorEvaluator`` (``predictor: tgnas`` or a NASLib Ensemble
  predictor name) on the offline dataset api; writes ``.../{dataset}/predictors/{predictor}/{seed}/errors.json``.
* ``search`` -- NASLib's ``Trainer`` with ``optimizer: tgnas_evolution`` (TG-NAS Algorithm 1) or
  ``tgnas_bananas`` (NASLib's Bananas; ``search.predictor_type: tgnas`` or ``search.zc_names: [tgnas]``).

Every key is checked: an unknown key or an invalid value is refused in one line that lists the valid choices
(exit status 2), as is every other user error. Each run writes ``log.log`` next to its result, and each result
file records what produced it (``provenance``: benchmark files, data directory, TG-NAS model, versions).
``data_dir`` is the benchmark data directory (else ``$TGNAS_DATA_DIR``, else ``./benchmarks_data``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import yaml

import tgnas_naslib.naslib  # noqa: F401  (compat + registration)
from tgnas_naslib.convert import plain
from tgnas_naslib.fusion import is_fused_name, parse_name
from tgnas_naslib.outputs import write_text

from .offline_api import OfflineDatasetAPI
from .predictor import TGNASPredictor, configured_model, model_spec, naslib_scores
from .provenance import record
from .runconfig import ConfigError, choice, load_config

logger = logging.getLogger("naslib.tgnas.run")
PROG = "python -m tgnas_naslib.naslib.run"

# ------------------------------------------------------------------------------------------------------
# output: directories, log.log, JSON
# ------------------------------------------------------------------------------------------------------
def save_dir(cfg: dict) -> Path:
    """Where a run writes, following NASLib's layout for each experiment."""
    out, space, dataset, seed = Path(cfg["out_dir"]), cfg["search_space"], cfg["dataset"], str(cfg["seed"])
    if cfg["experiment"] == "zc":
        return out / cfg["config_type"] / space / dataset / cfg["predictor"] / seed
    if cfg["experiment"] == "predictor_evaluation":
        return out / space / dataset / "predictors" / predictor_label(cfg) / seed
    return out / space / dataset / cfg["optimizer"] / seed


def predictor_label(cfg: dict) -> str:
    """The predictor's name in paths and tables: ``xgb``, ``xgb_zc`` (+ stored zero-cost features), ``xgb_zc_tgnas``
    (+ the TG-NAS score too), ``xgb_tgnas``; ``tgnas`` (zero-shot) or ``tgnas_fewshot`` (fine-tuned)."""
    name = cfg["predictor"]
    if name == "tgnas":
        return name if cfg.get("zero_shot", True) else "tgnas_fewshot"
    return name + ("_zc" if cfg.get("zc_proxies") else "") + ("_tgnas" if cfg.get("zc_tgnas") else "")


@contextlib.contextmanager
def log_to(save: Path):
    """``{save}/log.log`` receives NASLib's and the plugin's log records while the block runs."""
    save.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(save / "log.log", mode="w")
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(name)s %(levelname)s: %(message)s", "%m/%d %H:%M:%S"))
    handler.setLevel(logging.INFO)
    loggers = [logging.getLogger("naslib"), logging.getLogger("tgnas_naslib")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    try:
        yield save / "log.log"
    finally:
        for lg, level in zip(loggers, levels):
            lg.removeHandler(handler)
            lg.setLevel(level)
        handler.close()


def _cfgnode(d: dict):
    from fvcore.common.config import CfgNode

    return CfgNode({k: (_cfgnode(v) if isinstance(v, dict) else v) for k, v in d.items()})


def _naslib_config(cfg: dict, save: Path):
    """The fvcore config NASLib's classes read (None values dropped, ``save`` and ``search.seed`` set)."""
    config = {k: v for k, v in cfg.items() if v is not None}
    search = {"seed": cfg["seed"], **(cfg.get("search") or {})}
    return _cfgnode({**config, "save": str(save), "search": search})


# ------------------------------------------------------------------------------------------------------
# zero-cost correlation
# ------------------------------------------------------------------------------------------------------
def run_zc(cfg: dict, model: Any = None) -> dict:
    """The zero-cost correlation experiment (see module doc); returns NASLib's metrics (with ``save`` and the
    ``provenance``, caution included) and writes scores.json."""
    from naslib.utils import compute_scores

    from tgnas_naslib.datasets import CATALOG, load_benchmark

    space, name = cfg["search_space"], cfg["benchmark"]
    bench = load_benchmark(name, cfg["data_dir"])
    predictor = cfg["predictor"]
    fused = is_fused_name(predictor)
    if fused:
        parse_name(predictor)  # UnknownProxyError: one line
    else:
        choice("predictor", predictor, ("tgnas", *bench.proxy_names), f"tgnas or a proxy stored in {name}")
    records = [r for r in bench.records if r.y is not None]
    n = min(int(cfg["test_size"]), len(records))
    rng = np.random.RandomState(int(cfg["seed"]))
    chosen = [records[i] for i in sorted(rng.choice(len(records), size=n, replace=False))]
    ytest = np.array([r.y for r in chosen], dtype=float)
    t0 = time.perf_counter()
    fusion = None
    if predictor == "tgnas":
        model = model or configured_model()
        pred = naslib_scores(model.score([r.arch for r in chosen], space=space))
    elif fused:
        model = model or configured_model()
        pred, fusion = _fused_scores(predictor, model, chosen, space, cfg["dataset"], name, cfg["data_dir"])
    else:
        missing = [r.arch for r in chosen if predictor not in r.proxies]
        if missing:
            raise ConfigError(f"predictor: {name} has no stored {predictor!r} score for {len(missing)} of the {n} "
                              f"sampled architectures (e.g. {missing[0]})")
        pred = naslib_scores([r.proxies[predictor] for r in chosen])
    query_time = (time.perf_counter() - t0) / max(n, 1)
    results = compute_scores(ytest=ytest, test_pred=pred)
    results.update({"train_size": 0, "test_size": n, "query_time": query_time, "benchmark": name,
                    "predictor": predictor, "ground_truth": "val_accuracy"})
    if fusion is not None:
        results["fusion"] = fusion
    save = save_dir(cfg)
    prov = record(model=model if predictor == "tgnas" or fused else None, benchmark=name,
                  benchmark_files=list(CATALOG[name].files), data_dir=str(_data_dir(cfg)), task=cfg["dataset"],
                  space=space)
    if "tgnas_model" in prov:  # which member scored, zero-shot or in-family: in the results as in the provenance
        results["tgnas_model"] = {k: prov["tgnas_model"][k] for k in ("model", "member", "evaluation")}
    write_text(save / "scores.json",  # whole or absent: an interrupt while writing leaves no half file
               json.dumps(plain([{**cfg, "save": str(save), "provenance": prov}, results], "list", json_safe=True)))
    scored = prov.get("tgnas_model")
    logger.info("zc: %s/%s benchmark %s predictor %s: spearman %.4f, kendalltau %.4f (n=%d)%s%s", space,
                cfg["dataset"], name, predictor, results["spearman"], results["kendalltau"], n,
                f"; scored by {scored['model']} member {scored['member']} ({scored['evaluation']})" if scored else "",
                f" -- {prov['caution']}" if "caution" in prov else "")  # the caution: once, in the provenance
    return {**results, "save": str(save), "provenance": prov}


def _fused_scores(predictor: str, model: Any, chosen: list, space: str, dataset: str, benchmark: str,
                  data_dir: Any) -> tuple[np.ndarray, dict]:
    """A fused proxy on the sampled records: each live proxy from the benchmark file where it stores it for every
    sampled arch (referenced to that file), else computed live through NASLib; returns scores and what was done."""
    from tgnas_naslib.fusion import default_batch

    from .fused import fused_proxy, live_values

    fp = fused_proxy(predictor, model, data_dir=data_dir)
    stored = {p: benchmark for p in fp.proxies if all(p in r.proxies for r in chosen)}
    values: dict[str, Any] = {p: [r.proxies[p] for r in chosen] for p in stored}
    live = [p for p in fp.proxies if p not in stored]
    bs = default_batch(space, dataset)
    archs = [r.arch for r in chosen]
    if live:
        values.update(live_values(space, dataset, archs, live, bs, data_dir=data_dir))
    pred = naslib_scores(fp.fuse(archs, space, dataset, values, bs, stored=stored))
    refs = fp.references(space, dataset, bs, stored)
    info = {"rule": fp.describe(space)["rule"], "proxies": list(fp.proxies), "stored": sorted(stored),
            "live": live, "live_batch_size": bs if live else None,
            "references": {k: r.origin for k, r in refs.items()}}
    return pred, info


def _data_dir(cfg: dict) -> Path:
    from tgnas_naslib import paths

    return paths.data_dir(cfg.get("data_dir"))


# ------------------------------------------------------------------------------------------------------
# predictor evaluation
# ------------------------------------------------------------------------------------------------------
#: NASLib predictors that read the sampled graphs' operations or networks (NASLib's own, slower, clones)
NEEDS_NETWORKS = ("gpwl",)


def build_predictor(cfg: dict, ss_type: str, config: Any = None):
    """``tgnas`` -> TGNASPredictor; any other name -> NASLib's predictor of that name (an Ensemble of one, built
    with the run's NASLib ``config``: some of NASLib's predictors read ``config.dataset`` when built)."""
    if cfg["predictor"] == "tgnas":
        return TGNASPredictor(ss_type=ss_type, zero_shot=bool(cfg["zero_shot"]), epochs=int(cfg["finetune_epochs"]),
                              seed=int(cfg["seed"]))
    from naslib.predictors.ensemble import Ensemble

    config = config if config is not None else _naslib_config(cfg, save_dir(cfg))
    zc = bool(cfg.get("zc_proxies")) or bool(cfg.get("zc_tgnas"))
    ens = Ensemble(num_ensemble=1, predictor_type=cfg["predictor"], ss_type=ss_type, hpo_wrapper=False,
                   config=config, zc=zc, zc_only=False)
    return ens.get_ensemble()[0]


def run_predictor_evaluation(cfg: dict) -> list:
    """NASLib's PredictorEvaluator on the offline dataset api; returns its results list (errors.json)."""
    from naslib import utils
    from naslib.defaults.predictor_evaluator import PredictorEvaluator
    from naslib.search_spaces import get_search_space

    from .fast import spec_only

    save = save_dir(cfg)
    api = OfflineDatasetAPI(cfg["search_space"], cfg["dataset"], cfg["data_dir"])
    config = _naslib_config(cfg, save)
    utils.set_seed(int(cfg["seed"]))
    ss = get_search_space(cfg["search_space"], cfg["dataset"])
    if cfg["predictor"] not in NEEDS_NETWORKS:
        ss = spec_only(ss)
    predictor = build_predictor(cfg, ss.get_type(), config)
    if cfg["split"] == "benchmark":  # fixed splits of one labelled file (split.py): same test archs for every predictor
        from .split import BenchmarkSplitEvaluator

        evaluator: Any = BenchmarkSplitEvaluator(predictor, config, cfg["benchmark"], cfg["data_dir"],
                                                 cfg["zc_proxies"], cfg["zc_tgnas"])
        evaluator.adapt_search_space(ss, load_labeled=False, dataset_api=api)
        results = evaluator.evaluate()
        scored = getattr(evaluator, "tgnas_scored_by", None)
        if scored is not None:  # the zero-cost TG-NAS feature: which member scored it
            for r in results[1:]:
                r["tgnas_feature_model"] = {k: scored[k] for k in ("model", "member", "evaluation")}
        return results
    evaluator = PredictorEvaluator(predictor, config=config)
    evaluator.adapt_search_space(ss, load_labeled=cfg["search_space"] == "nasbench301", dataset_api=api)
    return evaluator.evaluate()


# ------------------------------------------------------------------------------------------------------
# search (NASLib Trainer)
# ------------------------------------------------------------------------------------------------------
class _HonestArchWeightsNote(logging.Filter):
    """NASLib's Trainer announces ``arch_weights.pt`` unconditionally but writes it only with
    ``save_arch_weights: true`` (one-shot optimizers); this rewrites the announcement when nothing is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Saving architectural weight tensors"):
            record.msg = ("arch_weights.pt is not written: save_arch_weights is off (a discrete optimizer such as "
                          "TG-NAS evolution or Bananas has no architecture weights)")
            record.args = ()
        return True


def run_search(cfg: dict) -> dict:
    """NASLib's Trainer with TGNASEvolution or TGNASBananas; returns the best architecture and what is known of it.

    Ground truth (NASLib's errors.json, the returned ``val_accuracy``) comes from the offline dataset api where
    the data covers the space (NB201, TNB101-micro); the DARTS / NB301 evolution runs without one (its
    incumbents are not among the 500 labelled NB301 cells), so its accuracies are NaN (not available).
    """
    from naslib.defaults.trainer import Trainer
    from naslib.search_spaces import get_search_space
    from naslib.search_spaces.core.query_metrics import Metric

    from .optimizer import TGNASEvolution
    from .registry import TGNASBananas

    space = cfg["search_space"]
    save = save_dir(cfg)
    for sub in ("search", "eval"):
        (save / sub).mkdir(parents=True, exist_ok=True)
    config = _naslib_config(cfg, save)
    api = OfflineDatasetAPI(space, cfg["dataset"], cfg["data_dir"]) if space != "nasbench301" else None
    ss = get_search_space(space, cfg["dataset"])
    if cfg["optimizer"] == "tgnas_evolution":
        ss.instantiate_model = False
        opt: Any = TGNASEvolution(config)
    else:
        if api is None:
            raise ConfigError("optimizer: tgnas_bananas trains on benchmark accuracies, which the offline data has "
                              "for nasbench201 and transbench101_micro only")
        ss.instantiate_model = bool(config.search.get("zc", False))  # zc proxies run on parsed graphs
        opt = TGNASBananas(config)
    opt.adapt_search_space(ss, dataset_api=api)
    trainer = Trainer(opt, config, lightweight_output=True)
    note = _HonestArchWeightsNote()
    trainer_logger = logging.getLogger("naslib.defaults.trainer")
    trainer_logger.addFilter(note)
    try:
        trainer.search(report_incumbent=True)
    finally:
        trainer_logger.removeFilter(note)
    best = opt.get_final_architecture()
    out: dict[str, Any] = {"best_hash": tgnas_naslib.naslib.zc_key(best), "save": str(save)}
    score = getattr(opt, "best_score", None)
    if score is None:
        score = TGNASPredictor(model=configured_model()).query(best)
    out["tgnas_score"] = float(score)
    if api is not None:
        out["val_accuracy"] = float(best.query(Metric.VAL_ACCURACY, cfg["dataset"], dataset_api=api))
        out["test_accuracy"] = None  # not in the data (NaN in errors.json)
    return out


RUNNERS: dict[str, Callable[[dict], Any]] = {"zc": run_zc, "predictor_evaluation": run_predictor_evaluation,
                                             "search": run_search}


def run(cfg: dict) -> Any:
    """Run a validated config, logging to ``{save}/log.log``; ``out_dir`` is checked, and created or refused,
    before the run starts."""
    from tgnas_naslib import paths
    from tgnas_naslib.outputs import output_dir

    output_dir(cfg["out_dir"], "out_dir")  # a file, a read-only folder: one line, before anything runs
    output_dir(save_dir(cfg), "out_dir")
    # NASLib's loaders and apis inside the run read the same data directory (tgnas_naslib.paths, scoped); every
    # TG-NAS object of the run uses the same model
    with paths.using_data_dir(cfg["data_dir"]), log_to(save_dir(cfg)), model_spec(cfg.get("tgnas_model")):
        return RUNNERS[cfg["experiment"]](cfg)


METRICS = ("mae", "rmse", "pearson", "spearman", "kendalltau", "kt_2dec", "kt_1dec", "precision_10",
           "precision_20")


def _report(cfg: dict, out: Any) -> None:
    if cfg["experiment"] == "search":
        print(json.dumps(plain(out, "list", json_safe=True)))
        return
    rows = [out] if isinstance(out, dict) else list(out[1:])
    prov = (out if isinstance(out, dict) else out[0]).get("provenance") or {}
    for res in rows:
        shown = {k: round(float(res[k]), 4) for k in METRICS if k in res and res[k] is not None}
        where = f" benchmark={res['benchmark']}" if "benchmark" in res else ""
        sizes = f"train_size={res['train_size']} " if cfg["experiment"] == "predictor_evaluation" else ""
        print(f"{cfg['experiment']}: {cfg['search_space']}/{cfg['dataset']}{where} predictor={predictor_label(cfg)} "
              f"seed={cfg['seed']} {sizes}test_size={res.get('test_size', cfg['test_size'])}: "
              + ", ".join(f"{k} {v}" for k, v in shown.items()))
    scored = (rows[0].get("tgnas_model") if rows else None) or prov.get("tgnas_model")
    if scored and str(scored["model"]).endswith("+finetuned"):
        print(f"  TG-NAS fine-tuned on each train_size's labels from member {scored['model'][:-len('+finetuned')]}, "
              "which never saw this family before")
    elif scored:
        print(f"  TG-NAS scored by {scored['model']} member {scored['member']} ({scored['evaluation']})")
    caution = prov.get("caution")
    if caution:
        print(f"  {caution}")
    print(f"results and log.log written under {save_dir(cfg)}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the config; every user error is one line on stderr and exit status 2."""
    from tgnas_naslib import paths
    from tgnas_naslib.errors import report_user_error

    with paths.data_dir_option("set data_dir in the config (or add the override data_dir=/path/to/benchmarks_data)"):
        return _main(argv, report_user_error)


def _main(argv: list[str] | None, report_user_error: Callable) -> int:
    from tgnas_naslib.errors import report_interrupt

    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="YAML config (see configs/)")
    parser.add_argument("overrides", nargs="*",
                        help="key=value overrides, e.g. test_size=200 seed=9001 search.epochs=3")
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        cfg = load_config(args.config, args.overrides)
        out = run(cfg)
    except yaml.YAMLError as exc:
        print(f"{PROG}: error: {args.config} is not valid YAML: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # exit status 130; no result file was written (scores.json comes last)
        return report_interrupt(PROG, exc)
    except Exception as exc:  # noqa: BLE001 -- user errors become one line; anything else is a bug
        return report_user_error(PROG, exc)
    _report(cfg, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
