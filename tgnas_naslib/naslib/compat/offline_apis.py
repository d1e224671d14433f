"""Fix: NASLib's ``get_dataset_api`` / ``get_zc_benchmark_api`` read files that a fresh checkout lacks.

Evidence: ``naslib/utils/get_dataset_api.py`` asserts on ``naslib/data/nb201_cifar10_full_training.pickle``,
``nasbench_only108.pkl``, ``nb_models_1.0``, ``transnas-bench_v10141024.pth`` and opens
``naslib/data/zc_<space>.json``; none of them is in the git checkout (they are downloads), so
``naslib/runners/zc/runner.py`` and friends stop with an ``AssertionError`` / ``FileNotFoundError``.

Fix: both functions are replaced (everywhere NASLib bound them). When NASLib's own file is in ``naslib/data``
its loader runs unchanged (the zc table then gets ``tgnas`` on the fly). Otherwise the answer comes from the
benchmark data directory (:mod:`tgnas_naslib.naslib.offline_api`), a warning says which file stood in for
which, and when neither exists one :class:`~tgnas_naslib.naslib.offline_api.MissingNASLibData` line names
NASLib's file, where it comes from, and the data directory that was searched. The search spaces' ``query``
hands an offline api to :meth:`OfflineDatasetAPI.query`, which returns only what the data has (NaN for train /
test accuracy instead of a copy of the validation accuracy).
"""

from __future__ import annotations

import functools
import importlib
import logging
from typing import Any

from ._marker import MARK, is_ours
from ._rebind import mark_replacement, rebind_naslib_function

logger = logging.getLogger("naslib.tgnas")

#: NASLib search-space classes whose ``query`` learns to answer from an offline api
NASLIB_QUERY_CLASSES = (
    ("naslib.search_spaces.nasbench101.graph", "NasBench101SearchSpace"),
    ("naslib.search_spaces.nasbench201.graph", "NasBench201SearchSpace"),
    ("naslib.search_spaces.nasbench301.graph", "NasBench301SearchSpace"),
    ("naslib.search_spaces.transbench101.graph", "TransBench101SearchSpaceMicro"),
)
_warned: set[tuple] = set()


#: the plugin's own keys on a NASLib script's command line: the benchmark data directory and the TG-NAS model
PLUGIN_OPTIONS = ("data_dir", "tgnas_model")


def split_plugin_options(opts: list) -> tuple[list, dict[str, str]]:
    """NASLib's ``key value`` command-line overrides without the plugin's pairs (``data_dir X``, ``tgnas_model
    X``), and the last value of each (NASLib's own parser would ``eval`` an unknown key's value: ``data_dir /path``
    crashed there)."""
    rest, found = [], {}
    for i in range(0, len(opts) - 1, 2):
        key, value = opts[i], opts[i + 1]
        if key in PLUGIN_OPTIONS:
            found[key] = value
        else:
            rest += [key, value]
    return rest + list(opts[len(opts) - len(opts) % 2:]), found


def _announced(api, key: tuple, message: str):
    """``api``, after logging ``message`` the first time ``key`` (kind, search space, dataset) is served offline."""
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)
    return api


def make_get_dataset_api(original):
    """The replacement of ``naslib.utils.get_dataset_api(search_space, dataset)`` (see the module doc)."""
    from .. import offline_api as oa

    @functools.wraps(original)
    def get_dataset_api(search_space=None, dataset=None):
        if search_space not in oa.DEFAULT_BENCHMARKS or oa.naslib_has_files(search_space, dataset):
            return original(search_space=search_space, dataset=dataset)
        api = oa.OfflineDatasetAPI(search_space, dataset)  # the data directory: tgnas_naslib.paths (one home)
        missing = ", ".join(f for f, _ in oa.naslib_files(search_space, dataset))
        where = api.provenance
        return _announced(api, ("dataset_api", search_space, dataset),
                          f"NASLib's {missing} is not in {oa.naslib_data_dir()}: answering queries from the offline "
                          f"{where['files'][0]} in {where['data_dir']} ({where['n_archs']} archs; validation accuracy "
                          "only, train/test accuracy and losses are NaN = not available)")

    return mark_replacement(get_dataset_api, original)


def make_get_zc_benchmark_api(original):
    """The replacement of ``naslib.utils.get_zc_benchmark_api(search_space, dataset)`` (see the module doc)."""
    from .. import offline_api as oa

    @functools.wraps(original)
    def get_zc_benchmark_api(search_space, dataset):
        if (oa.naslib_data_dir() / f"zc_{search_space}.json").is_file():
            return oa.OfflineZcAPI(search_space, dataset, base=original(search_space, dataset))
        if search_space not in oa.DEFAULT_BENCHMARKS:
            return original(search_space, dataset)
        api = oa.OfflineZcAPI(search_space, dataset)
        return _announced(api, ("zc_api", search_space, dataset),
                          f"NASLib's zc_{search_space}.json is not in {oa.naslib_data_dir()}: zc api from the offline "
                          f"{api.provenance['files'][0]} ({len(api)} archs; proxies "
                          f"{', '.join(api.proxies) or 'none'}, plus tgnas scored on the fly)")

    return mark_replacement(get_zc_benchmark_api, original)


def _offline_query(original):
    @functools.wraps(original)
    def query(self, metric=None, dataset=None, path=None, epoch=-1, full_lc=False, dataset_api=None):
        from ..offline_api import OfflineDatasetAPI

        if isinstance(dataset_api, OfflineDatasetAPI):
            return dataset_api.query(self, metric, dataset, epoch=epoch, full_lc=full_lc)
        return original(self, metric, dataset, path, epoch, full_lc, dataset_api)

    setattr(query, MARK, True)
    return query


def patch_naslib_apis() -> dict[str, Any]:
    """Install both replacements and the query hand-over in NASLib (idempotent); returns what was patched."""
    gda = importlib.import_module("naslib.utils.get_dataset_api")
    nu = importlib.import_module("naslib.utils")
    done: dict[str, Any] = {}
    for name, make in (("get_dataset_api", make_get_dataset_api),
                       ("get_zc_benchmark_api", make_get_zc_benchmark_api)):
        current = getattr(gda, name)
        original = current.original if is_ours(current) else current
        new = current if is_ours(current) else make(original)
        setattr(gda, name, new)
        done[name] = rebind_naslib_function(name, new, (original, getattr(nu, name, None)))
    patched = []
    for module, cls_name in NASLIB_QUERY_CLASSES:
        cls = getattr(importlib.import_module(module), cls_name)
        if not is_ours(cls.__dict__.get("query")):
            cls.query = _offline_query(cls.query)
        patched.append(cls_name)
    done["query"] = patched
    return done
