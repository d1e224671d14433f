"""The configs of ``python -m tgnas_naslib.naslib.run``: keys, defaults, valid values and the benchmark rule.

:func:`load_config` reads a YAML file, applies ``key=value`` overrides (``search.epochs=3`` for nested keys),
merges the experiment's defaults and :func:`validate` checks every key: an unknown key or an invalid value is a
:class:`ConfigError` whose one-line message lists the valid choices. The ground-truth benchmark of the ``zc``
experiment follows from ``(search_space, dataset)`` (:func:`default_benchmark`) unless given, and a given one
must hold exactly that space and dataset. This module does not import NASLib; only the predictor and measure
name lists (:func:`ensemble_predictors`, :func:`zero_cost_measures`) ask NASLib, when they are needed.
"""

from __future__ import annotations

import ast
import inspect
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from tgnas_naslib.checks import SEED_MAX
from tgnas_naslib.errors import TGNASError
from tgnas_naslib.names import FINETUNE_EPOCHS
from tgnas_naslib.spaces import NASLIB, NASLIB_PREDICTOR_EVALUATION, NASLIB_ZC, SEARCH, supporting

#: the default ground-truth benchmark (a ``tgnas_naslib.datasets`` catalog name) per NASLib search space
DEFAULT_BENCHMARKS = {
    "nasbench101": "nb101_500",
    "nasbench201": "nb201_{dataset}_15625",
    "nasbench301": "nb301_500",
    "transbench101_micro": "tnb101_micro_{dataset}_4096",
}
#: NASLib's dataset names per search space, as its runners accept them
DATASETS = {
    "nasbench101": ("cifar10",),
    "nasbench201": ("cifar10", "cifar100", "ImageNet16-120"),
    "nasbench301": ("cifar10",),
    "transbench101_micro": ("autoencoder", "class_object", "class_scene", "jigsaw", "normal", "room_layout",
                            "segmentsemantic"),
}


def default_benchmark(search_space: str, dataset: str) -> str:
    """The catalog benchmark that holds the ground truth for (space, dataset); ValueError when none does."""
    if search_space not in DEFAULT_BENCHMARKS:
        raise ConfigError(f"search_space: no offline ground truth for {search_space!r}; choose from "
                          f"{', '.join(DEFAULT_BENCHMARKS)}")
    if dataset not in DATASETS[search_space]:
        raise ConfigError(f"dataset: {dataset!r} is not a {search_space} dataset; choose from "
                          f"{', '.join(DATASETS[search_space])}")
    return DEFAULT_BENCHMARKS[search_space].format(dataset=dataset)


EXPERIMENTS = ("zc", "predictor_evaluation", "search")

DEFAULTS: dict[str, dict[str, Any]] = {
    "zc": {"config_type": "zc", "test_size": 1000, "seed": 9000, "out_dir": "run", "predictor": "tgnas",
           "search_space": "nasbench201", "dataset": "cifar10", "benchmark": None, "data_dir": None,
           "tgnas_model": None},
    "predictor_evaluation": {"test_size": 100, "train_size_single": 10, "train_size_list": [10],
                             "experiment_type": "single", "fidelity_single": 5, "fidelity_list": [5],
                             "max_hpo_time": 0, "uniform_random": 1, "seed": 0, "out_dir": "run",
                             "predictor": "tgnas", "search_space": "nasbench201", "dataset": "cifar10",
                             "zero_shot": True, "finetune_epochs": FINETUNE_EPOCHS, "data_dir": None,
                             "tgnas_model": None,
                             "split": "naslib", "benchmark": None, "zc_proxies": None, "zc_tgnas": False},
    "search": {"optimizer": "tgnas_evolution", "search_space": "nasbench201", "dataset": "cifar10", "seed": 0,
               "out_dir": "run", "data_dir": None, "tgnas_model": None, "search": {}},
}
#: search spaces each experiment has ground truth (or a searcher) for
SPACES: dict[str, tuple[str, ...]] = {
    "zc": supporting(NASLIB, NASLIB_ZC),
    "predictor_evaluation": supporting(NASLIB, NASLIB_PREDICTOR_EVALUATION),
    "search": supporting(NASLIB, SEARCH),
}
OPTIMIZERS = ("tgnas_evolution", "tgnas_bananas")
#: ``search:`` keys per optimizer (NASLib's config.search keys that the optimizer and Trainer read)
_TRAINER_KEYS = ("seed", "epochs", "checkpoint_freq")
SEARCH_KEYS = {
    "tgnas_evolution": (*_TRAINER_KEYS, "population_size", "F", "CR"),
    "tgnas_bananas": (*_TRAINER_KEYS, "predictor_type", "num_ensemble", "k", "num_init", "acq_fn_type",
                      "acq_fn_optimization", "encoding_type", "num_candidates", "num_arches_to_mutate",
                      "max_mutations", "zc", "zc_names", "use_zc_api", "zc_only", "load_labeled", "batch_size",
                      "train_portion", "data_size", "cutout", "cutout_length", "cutout_prob", "tgnas_zero_shot",
                      "tgnas_epochs"),
}


#: NASLib Ensemble predictors that NASLib's own code cannot run at commit 0b51bc18 (docs/naslib_upstream.md)
BROKEN_UPSTREAM = {
    "omni_ngb": "NASLib's OmniNGBPredictor.pre_compute(xtrain, xtest) does not take the unlabeled data that its "
                "PredictorEvaluator passes (TypeError in NASLib)",
    "omni_seminas": "NASLib's OmniSemiNASPredictor hands a list of graphs to ZeroCost.query, which takes one graph "
                    "(AttributeError in NASLib)",
}


class ConfigError(TGNASError, ValueError):
    """An unknown key or an invalid value in a runner config (reported in one line)."""


# ------------------------------------------------------------------------------------------------------
# config: load, override, validate
# ------------------------------------------------------------------------------------------------------
def choice(name: str, value: Any, choices: tuple, what: str = "") -> None:
    """ConfigError unless ``value`` is one of ``choices`` (the message lists them)."""
    if value not in choices:
        raise ConfigError(f"{name}: {value!r} is not {what or 'valid'}; choose from {', '.join(map(str, choices))}")


def _known_key(key: str, allowed: tuple, owner: str) -> None:
    if key.rpartition(".")[2] not in allowed:
        raise ConfigError(f"unknown key {key!r} for {owner}; valid keys: {', '.join(allowed)}")


def _int(name: str, value: Any, minimum: int = 0, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name}: {value!r} is not an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name}: {value!r} is not an integer from {minimum} to {maximum}")


def _int_list(name: str, value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{name}: {value!r} is not a non-empty list of integers >= 1")
    for v in value:
        _int(name, v, 1)


def _bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"{name}: {value!r} is not true or false")


def _text(name: str, value: Any, optional: bool = False) -> None:
    if not (isinstance(value, str) and value) and not (optional and value is None):
        raise ConfigError(f"{name}: {value!r} is not {'a path or null' if optional else 'a non-empty string'}")


@lru_cache(maxsize=1)
def ensemble_predictors() -> tuple[str, ...]:
    """The predictor names NASLib's ``Ensemble.get_ensemble`` knows (read from its source), plus ``tgnas``."""
    from naslib.predictors.ensemble import Ensemble

    source = inspect.getsource(getattr(Ensemble.get_ensemble, "__wrapped__", Ensemble.get_ensemble))
    names: list[str] = []
    for node in ast.walk(ast.parse(inspect.cleandoc("\n" + source))):
        if isinstance(node, ast.Dict):
            names += [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return ("tgnas", *sorted(set(names)))


def zero_cost_measures() -> tuple[str, ...]:
    """NASLib's registered zero-cost measures (``tgnas`` included once registered)."""
    from naslib.predictors.utils.pruners import measures

    return tuple(sorted(measures._measure_impls))


def _check_search(cfg: dict) -> None:
    search = cfg["search"]
    if not isinstance(search, dict):
        raise ConfigError(f"search: {search!r} is not a mapping of NASLib config.search keys")
    allowed = SEARCH_KEYS[cfg["optimizer"]]
    for key, value in search.items():
        _known_key(f"search.{key}", allowed, f"optimizer {cfg['optimizer']}")
        if key in ("seed", "epochs", "checkpoint_freq", "population_size", "num_ensemble", "k", "num_init",
                   "num_candidates", "num_arches_to_mutate", "max_mutations", "batch_size", "tgnas_epochs"):
            _int(f"search.{key}", value, 0 if key == "seed" else 1, SEED_MAX if key == "seed" else None)
        elif key in ("zc", "use_zc_api", "zc_only", "load_labeled", "tgnas_zero_shot", "cutout"):
            _bool(f"search.{key}", value)
        elif key == "predictor_type":
            choice("search.predictor_type", value, ensemble_predictors(), "a NASLib Ensemble predictor")
            _runnable("search.predictor_type", value)
        elif key == "zc_names":
            if not isinstance(value, list):
                raise ConfigError(f"search.zc_names: {value!r} is not a list of zero-cost measure names")
            for name in value:
                if isinstance(name, str) and name.startswith("tgnas_"):
                    from tgnas_naslib.fusion import parse_name

                    parse_name(name)  # a fused measure: any valid combination (UnknownProxyError: one line)
                    continue
                choice("search.zc_names", name, zero_cost_measures(), "a NASLib zero-cost measure")


def _runnable(name: str, predictor: str) -> None:
    """ConfigError for a NASLib predictor that NASLib's own code cannot run (:data:`BROKEN_UPSTREAM`)."""
    if predictor in BROKEN_UPSTREAM:
        raise ConfigError(f"{name}: {predictor} cannot run: {BROKEN_UPSTREAM[predictor]}; choose another predictor")


def validate(cfg: dict) -> dict:
    """Check every key and value of a full config (defaults merged); ConfigError names the first problem."""
    experiment = cfg["experiment"]
    allowed = ("experiment", *DEFAULTS[experiment])
    for key in cfg:
        _known_key(key, allowed, f"experiment {experiment}")
    choice("search_space", cfg["search_space"], SPACES[experiment], f"a search space of experiment {experiment}")
    choice("dataset", cfg["dataset"], DATASETS[cfg["search_space"]], f"a {cfg['search_space']} dataset")
    _int("seed", cfg["seed"], 0, SEED_MAX)
    _text("out_dir", cfg["out_dir"])
    _text("data_dir", cfg["data_dir"], optional=True)
    check_model(cfg["tgnas_model"])
    if experiment == "zc":
        _int("test_size", cfg["test_size"], 1)
        _text("config_type", cfg["config_type"])
        _text("predictor", cfg["predictor"])
        _check_benchmark(cfg)
    elif experiment == "predictor_evaluation":
        for key in ("test_size", "train_size_single", "fidelity_single", "finetune_epochs"):
            _int(key, cfg[key], 1)
        _int("max_hpo_time", cfg["max_hpo_time"])
        _int_list("train_size_list", cfg["train_size_list"])
        _int_list("fidelity_list", cfg["fidelity_list"])
        choice("experiment_type", cfg["experiment_type"], ("single", "vary_train_size"),
                "available offline (vary_fidelity / vary_both need learning curves, which the data does not have)")
        choice("uniform_random", cfg["uniform_random"], (0, 1))
        _bool("zero_shot", cfg["zero_shot"])
        choice("predictor", cfg["predictor"], ensemble_predictors(), "tgnas or a NASLib Ensemble predictor")
        _runnable("predictor", cfg["predictor"])
        _check_split(cfg)
    else:
        choice("optimizer", cfg["optimizer"], OPTIMIZERS)
        _check_search(cfg)
    return cfg


#: NASLib predictors that take zero-cost features (``Ensemble(zc=True)``: the trees)
ZC_PREDICTORS = ("xgb", "lgb", "rf", "ngb")


def _check_split(cfg: dict) -> None:
    """``split`` (naslib: NASLib's own sampling; benchmark: fixed splits of one labelled file), ``benchmark``,
    ``zc_proxies`` (null, ``all`` or a list of proxies the file stores) and ``zc_tgnas``."""
    from tgnas_naslib.datasets import load_benchmark

    choice("split", cfg["split"], ("naslib", "benchmark"))
    _bool("zc_tgnas", cfg["zc_tgnas"])
    zc = cfg["zc_proxies"]
    if cfg["split"] == "naslib":
        if cfg["benchmark"] is not None or zc is not None or cfg["zc_tgnas"]:
            raise ConfigError("benchmark / zc_proxies / zc_tgnas need split: benchmark (fixed splits of one labelled "
                              "benchmark file)")
        return
    _check_benchmark(cfg)
    if zc is not None or cfg["zc_tgnas"]:
        choice("predictor", cfg["predictor"], ZC_PREDICTORS, "a NASLib predictor that takes zero-cost features")
    if zc is None:
        return
    stored = sorted(load_benchmark(cfg["benchmark"], cfg["data_dir"]).proxy_names)
    if zc == "all":
        cfg["zc_proxies"] = stored
        return
    if not isinstance(zc, list) or not zc:
        raise ConfigError(f"zc_proxies: {zc!r} is not null, 'all' or a list of proxies stored in {cfg['benchmark']}")
    for name in zc:
        choice("zc_proxies", name, tuple(stored), f"a proxy stored in {cfg['benchmark']}")


def check_model(spec: Any) -> None:
    """``tgnas_model``: a shipped model name or an existing checkpoint / bundle path (None: the default bundle)."""
    if spec is None:
        return
    _text("tgnas_model", spec)
    from tgnas_naslib.api import PRETRAINED_MODELS

    if str(spec) not in PRETRAINED_MODELS and not os.path.exists(os.path.expanduser(str(spec))):
        raise ConfigError(f"tgnas_model: {spec!r} is neither a shipped model ({', '.join(PRETRAINED_MODELS)}) nor an "
                          "existing checkpoint or bundle path")


def _check_benchmark(cfg: dict) -> None:
    from tgnas_naslib.datasets import CATALOG

    name = cfg["benchmark"]
    if name is None:
        cfg["benchmark"] = default_benchmark(cfg["search_space"], cfg["dataset"])
        return
    space, dataset = cfg["search_space"], cfg["dataset"]
    matching = sorted(n for n, s in CATALOG.items() if s.space == space and s.task == dataset and s.labelled)
    choice("benchmark", name, tuple(matching), f"a labelled benchmark of {space}/{dataset}")


def _set(raw: dict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = raw
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{dotted}: {p} is not a mapping")
    node[leaf] = value


def load_config(path: str | os.PathLike | None, overrides: list[str] | None = None) -> dict:
    """The validated config: the YAML file, ``key=value`` overrides, then the experiment's defaults."""
    raw: dict = {}
    if path is not None:
        if Path(path).is_dir():
            raise ConfigError(f"config file {path} is a folder: give a YAML file (see configs/)")
        if not Path(path).is_file():
            raise ConfigError(f"config file not found: {path}")
        try:
            with open(path, encoding="utf-8") as f:
                raw = yaml.safe_load(f)
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config file {path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
                              f"{exc.start})") from None
        if raw is None:  # empty, or comments only: never a default experiment that nobody asked for
            raise ConfigError(f"{path} is empty: a config names at least its experiment ({', '.join(EXPERIMENTS)}); "
                              "see configs/ for examples")
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: not a YAML mapping of config keys")
    for item in overrides or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r} is not key=value")
        _set(raw, key.strip(), yaml.safe_load(value))
    experiment = raw.get("experiment", "zc")
    choice("experiment", experiment, EXPERIMENTS)
    cfg = {"experiment": experiment, **DEFAULTS[experiment], **raw}
    if experiment == "search":
        cfg["search"] = {**DEFAULTS["search"]["search"], **(raw.get("search") or {})}
    return validate(cfg)
