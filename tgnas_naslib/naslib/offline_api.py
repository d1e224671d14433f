"""NASLib's ``dataset_api`` and zc api, built from the benchmark data directory instead of NASLib's files.

:class:`OfflineDatasetAPI` is what :func:`get_dataset_api` returns when NASLib's own benchmark file is absent.
It answers ``graph.query(metric, dataset, dataset_api=api)`` (the search spaces' ``query`` hands it over, see
:mod:`tgnas_naslib.naslib.compat.offline_apis`) with only what the data has: the final validation accuracy.
Train / test accuracy, losses, times and learning curves are NaN ("not available"), never a copy of the
validation accuracy. NB101 / NB301 data covers 500 labelled architectures; querying any other one raises
:class:`MissingNASLibData` naming NASLib's file that would answer it.

:class:`OfflineZcAPI` is NASLib's zc api (``zc_api[str(arch)][proxy]['score']``, ``['val_accuracy']``) over
a benchmark file, with TG-NAS as one more proxy: ``zc_api[key]['tgnas']`` is scored on the fly (the whole
benchmark in one batch, at the first access). Both carry ``provenance``: the files, data directory and model.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from tgnas_naslib import paths
from tgnas_naslib.datasets import CATALOG, load_benchmark
from tgnas_naslib.datasets.records import to_arch
from tgnas_naslib.fusion import default_batch, is_fused_name

from .compat.hashes import canonical_zc_key, plain_hash, zc_key
from .runconfig import DATASETS, DEFAULT_BENCHMARKS, default_benchmark

__all__ = ["DATASETS", "DEFAULT_BENCHMARKS", "MissingNASLibData", "OfflineDatasetAPI", "OfflineZcAPI",
           "default_benchmark", "is_offline", "naslib_files", "naslib_has_files"]

logger = logging.getLogger("naslib.tgnas")

NAN = float("nan")
TGNAS = "tgnas"

_DRIVE = "https://drive.google.com/drive/folders/1rwmkqyij3I24zn5GSO6fGv2mzdEfPIEa"
_NB201_FILES = {"cifar10": "nb201_cifar10_full_training.pickle", "cifar100": "nb201_cifar100_full_training.pickle",
                "ImageNet16-120": "nb201_ImageNet16_full_training.pickle"}
_TNB = ("transnas-bench_v10141024.pth",
        "https://www.noahlab.com.hk/opensource/vega/page/doc.html?path=datasets/transnasbench101")


class MissingNASLibData(paths.MissingDataError):
    """NASLib needs a benchmark file that is neither in its checkout nor covered by the data directory."""


def naslib_data_dir() -> Path:
    """NASLib's own data folder (``<checkout>/naslib/data``), where its loaders look for benchmark files."""
    import naslib

    return Path(naslib.__file__).resolve().parent / "data"


def naslib_files(search_space: str, dataset: str | None) -> list[tuple[str, str]]:
    """``[(file under naslib/data, where it comes from)]`` that NASLib's ``get_dataset_api`` reads."""
    if search_space == "nasbench101":
        return [("nasbench_only108.pkl", _DRIVE)]
    if search_space == "nasbench201":
        return [(_NB201_FILES.get(dataset or "", f"nb201_{dataset}_full_training.pickle"), _DRIVE)]
    if search_space == "nasbench301":
        return [("nb_models_1.0", "https://figshare.com/articles/software/nasbench301_models_v1_0_zip/13061510"),
                ("nb301_full_training.pickle", _DRIVE)]
    if search_space in ("transbench101_micro", "transbench101_macro", "transbench101"):
        return [_TNB]
    return []


def naslib_has_files(search_space: str, dataset: str | None) -> bool:
    """True when every file NASLib's own loader needs for (space, dataset) is in ``naslib/data``."""
    files = naslib_files(search_space, dataset)
    return bool(files) and all((naslib_data_dir() / f).exists() for f, _ in files)


def _load(name: str, data_dir: str | os.PathLike | None, needed_for: str) -> Any:
    try:
        return load_benchmark(name, data_dir)
    except paths.MissingDataError as exc:
        raise MissingNASLibData(f"{needed_for}: {exc}") from None


def _version() -> str:
    from tgnas_naslib import __version__

    return __version__


def _provenance(bench: Any, data_dir: str | os.PathLike | None, what: str) -> dict:
    spec = CATALOG[bench.name]
    return {"what": what, "benchmark": bench.name, "files": list(spec.files),
            "data_dir": str(paths.data_dir(data_dir)), "n_archs": len(bench), "tgnas_naslib": _version()}


class OfflineDatasetAPI(dict):
    """A NASLib ``dataset_api`` answering from a benchmark file: validation accuracy only, NaN for the rest."""

    def __init__(self, search_space: str, dataset: str, data_dir: str | os.PathLike | None = None):
        super().__init__()
        self.search_space, self.dataset, self.data_dir = search_space, dataset, data_dir
        self._tables: dict[str, dict] = {}
        self._benchmarks: dict[str, Any] = {}
        bench = self._table(dataset)
        self.provenance = _provenance(self._benchmarks[dataset], data_dir,
                                      "ground truth: final validation accuracy only (train/test accuracy, losses, "
                                      "times and learning curves are not in the data: NaN)")
        self.update(self._naslib_keys(bench))

    # -- data ------------------------------------------------------------------------------------------
    def _table(self, dataset: str) -> dict:
        if dataset not in self._tables:
            name = default_benchmark(self.search_space, dataset)
            files = ", ".join(f"naslib/data/{f} ({src})" for f, src in naslib_files(self.search_space, dataset))
            bench = _load(name, self.data_dir, f"NASLib needs {files} or the offline ground truth")
            self._benchmarks[dataset] = bench
            self._tables[dataset] = {r.arch: r for r in bench.records if r.y is not None}
        return self._tables[dataset]

    def _naslib_keys(self, table: dict) -> dict:
        """The keys NASLib's samplers read from a dataset_api (query itself never reads them here)."""
        if self.search_space == "nasbench301":
            return {"nb301_arches": list(table), "nb301_data": None, "nb301_model": None}
        if self.search_space == "nasbench101":
            from naslib.utils import nb101_api

            validity = nb101_api.NASBench.__new__(nb101_api.NASBench)  # only is_valid() is used: no data file
            validity.config = {"module_vertices": 7, "max_edges": 9, "num_repeats": 3,
                               "available_ops": ["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"]}
            return {"api": nb101_api, "nb101_data": validity}
        if self.search_space.startswith("transbench101"):
            return {"task": self.dataset, "api": None}
        return {"nb201_data": None}

    def record(self, graph: Any, dataset: str | None = None) -> Any:
        """The benchmark record of a NASLib graph; MissingNASLibData when the data does not cover it."""
        dataset = self._dataset(dataset)
        table = self._table(dataset)
        arch = to_arch(plain_hash(graph.get_hash()), self.search_space)
        rec = table.get(arch)
        if rec is None:
            files = ", ".join(f"naslib/data/{f} ({src})" for f, src in naslib_files(self.search_space, dataset))
            raise MissingNASLibData(
                f"architecture {arch} is not among the {len(table)} labelled {self.search_space} archs of "
                f"{self.provenance['files'][0]}; to query any architecture NASLib needs {files}")
        return rec

    def labelled_archs(self) -> list:
        """Every architecture the data labels, as NASLib hashes (for ``search_space.labeled_archs``)."""
        return list(self._table(self.dataset))

    def _dataset(self, dataset: str | None) -> str:
        if dataset in (None, "cifar10-valid"):
            return self.dataset if dataset is None else "cifar10"
        return dataset

    # -- NASLib's query --------------------------------------------------------------------------------
    def query(self, graph: Any, metric: Any, dataset: str | None = None, epoch: int | None = -1,
              full_lc: bool = False) -> Any:
        """What ``graph.query(metric, dataset, epoch=, full_lc=, dataset_api=self)`` returns (see module doc)."""
        from naslib.search_spaces.core.query_metrics import Metric

        rec = self.record(graph, dataset)
        if metric == Metric.RAW:
            return {"val_accuracy": float(rec.y), "source": self.provenance["files"][0],
                    "not_available": "train/test accuracy, losses, times, learning curves"}
        if metric == Metric.HP:
            return {}
        if full_lc:  # no learning curves in the data
            return [NAN] * (int(epoch) if epoch and epoch > 0 else 1)
        if metric == Metric.VAL_ACCURACY and epoch in (-1, None):
            return float(rec.y)
        return NAN


class ZcEntry(dict):
    """One architecture of :class:`OfflineZcAPI`: stored proxies, ``val_accuracy`` and ``tgnas`` on the fly."""

    def __init__(self, owner: OfflineZcAPI, key: str, *args: Any):
        super().__init__(*args)
        self._owner, self._key = owner, key

    def __missing__(self, name: str) -> Any:
        if name == TGNAS:
            return self._owner.tgnas_entry(self._key)
        if is_fused_name(name):
            return self._owner.fused_entry(self._key, name)
        raise MissingNASLibData(self._owner.missing_proxy_message(name))

    def __contains__(self, name: object) -> bool:
        return name == TGNAS or is_fused_name(name) or super().__contains__(name)


class OfflineZcAPI(dict):
    """NASLib's zc api for (space, dataset) from a benchmark file, with ``tgnas`` scored on the fly."""

    def __init__(self, search_space: str, dataset: str, data_dir: str | os.PathLike | None = None,
                 benchmark: str | None = None, base: dict | None = None):
        super().__init__()
        self.search_space, self.dataset = search_space, dataset
        self._tgnas: dict[str, dict] | None = None
        self._archs: dict[str, Any] = {}
        self.benchmark: str | None = None  # the catalog benchmark of the stored values (None: NASLib's own file)
        self._fused: dict[str, Any] = {}
        if base is not None:  # NASLib's own zc_<space>.json table: keep it, add tgnas
            for key, entry in base.items():
                self[key] = ZcEntry(self, key, entry)
                self._archs[key] = to_arch(key, search_space)
            self.proxies = sorted({p for e in base.values() for p in e if isinstance(e.get(p), dict)})
            self.provenance = {"what": "NASLib's zc benchmark file, plus tgnas scored on the fly",
                               "files": [f"naslib/data/zc_{search_space}.json"], "n_archs": len(base),
                               "tgnas_naslib": _version()}
            return
        name = benchmark or default_benchmark(search_space, dataset)
        bench = _load(name, data_dir, f"NASLib needs naslib/data/zc_{search_space}.json ({_DRIVE}) or the "
                                      "offline zc data")
        self.benchmark = name
        for rec in bench.records:
            if rec.y is None:
                continue
            key = zc_key(rec.arch, search_space)
            entry = {p: {"score": v, "time": rec.times.get(p, NAN)} for p, v in rec.proxies.items()}
            entry["val_accuracy"] = float(rec.y)
            self[key] = ZcEntry(self, key, entry)
            self._archs[key] = rec.arch
        self.proxies = sorted(bench.proxy_names)
        self.provenance = _provenance(bench, data_dir, "ground truth: val_accuracy of the benchmark file; "
                                                       "stored proxies from it; tgnas scored on the fly")

    # -- lookups by any form of NASLib's hash (numpy-2 scalars, nasbench301 tuples): see canonical_zc_key --------
    def _stored_key(self, key: Any) -> Any:
        if isinstance(key, str) and not dict.__contains__(self, key):
            canonical = canonical_zc_key(key, self.search_space)
            if canonical is not None and dict.__contains__(self, canonical):
                return canonical
        return key

    def __missing__(self, key: Any) -> Any:
        stored = self._stored_key(key)
        if stored is key:
            raise KeyError(key)
        return dict.__getitem__(self, stored)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, self._stored_key(key))

    def get(self, key: Any, default: Any = None) -> Any:
        """``self[key]`` (any form of the hash), else ``default``."""
        return dict.get(self, self._stored_key(key), default)

    def missing_proxy_message(self, name: str) -> str:
        """One line: which proxy is missing, what the data has instead and where NASLib's file comes from."""
        return (f"the offline zc data for {self.search_space}/{self.dataset} ({self.provenance['files'][0]}) has no "
                f"{name!r} score; it has {', '.join(self.proxies + [TGNAS])}. For all 13 NAS-Bench-Suite-Zero "
                f"proxies NASLib needs naslib/data/zc_{self.search_space}.json ({_DRIVE})")

    def tgnas_entry(self, key: str) -> dict:
        """``{'score', 'time'}`` of TG-NAS for one key (every key is scored in one batch on the first call)."""
        if self._tgnas is None:
            from .predictor import configured_model, naslib_scores

            model = configured_model()
            keys = list(self._archs)
            t0 = time.perf_counter()
            scores = naslib_scores(model.score([self._archs[k] for k in keys], space=self.search_space))
            per_arch = (time.perf_counter() - t0) / max(len(keys), 1)
            self._tgnas = {k: {"score": float(s), "time": per_arch} for k, s in zip(keys, scores)}
            d = model.describe(self.search_space)
            # which member scored is recorded by the result's provenance (provenance.record), with its caution
            logger.info("tgnas scored %d %s archs in %.2f s, scored by %s member %s (%s; trained on %s)", len(keys),
                        self.search_space, per_arch * len(keys), d["model"], d["member"], d["evaluation"],
                        d["trained_on"])
        return self._tgnas[key]

    def fused_entry(self, key: str, name: str) -> dict:
        """``{'score', 'time'}`` of a fused proxy (``tgnas_nwot`` ...) for one key: its proxies from the stored entry
        where the benchmark file has them (referenced to that file), else live through NASLib (batch
        :func:`tgnas_naslib.fusion.default_batch`); the TG-NAS part as :meth:`tgnas_entry`."""
        from .fused import fused_proxy

        t0 = time.perf_counter()
        fp = self._fused.get(name)
        if fp is None:
            fp = self._fused[name] = fused_proxy(name)
        entry = dict.__getitem__(self, key)
        stored = {p: self.benchmark for p in fp.proxies if self.benchmark and dict.__contains__(entry, p)}
        values = {p: [entry[p]["score"]] for p in stored}
        live = [p for p in fp.proxies if p not in stored]
        bs = default_batch(self.search_space, self.dataset)
        if live:
            from .fused import live_values

            values.update(live_values(self.search_space, self.dataset, [self._archs[key]], live, bs))
        tg = self.tgnas_entry(key)["score"]
        score = float(fp.fuse(None, self.search_space, self.dataset, values, bs, tgnas=[tg], stored=stored)[0])
        return {"score": score, "time": time.perf_counter() - t0 + self.tgnas_entry(key)["time"]}


def is_offline(api: Any) -> bool:
    """True for the APIs of this module."""
    return isinstance(api, (OfflineDatasetAPI, OfflineZcAPI))
