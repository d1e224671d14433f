"""The labelled fixture and the golden values of tests/test_golden.py.

``python scripts/make_fixture.py --data-dir /path/to/benchmarks_data`` writes ``tests/fixtures/labelled.json``: a
seeded draw of 300 NB201 cells (validation accuracy on cifar10, cifar100 and ImageNet16-120) and 100 NB101 cells
(CIFAR-10 validation accuracy) from NASLib's NAS-Bench-Suite-Zero files in the data directory. The draw depends only
on the seed and the files (``tgnas data`` checks they are the expected ones).

``python scripts/make_fixture.py --golden`` (no data needed) writes ``tests/fixtures/golden.json``: each shipped
model's Spearman rho with the fixture's labels, per benchmark. Run it after changing a shipped model, or adding one,
and commit the file: the test fails on any model whose ranking moved by more than ``TOLERANCE`` or that has no
entry.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "labelled.json"
GOLDEN = ROOT / "tests" / "fixtures" / "golden.json"
SEED = 28
N_NB201, N_NB101 = 300, 100
#: how far a model's Spearman rho on the fixture may move before tests/test_golden.py fails
TOLERANCE = 0.02
NB201_TASKS = ("cifar10", "cifar100", "ImageNet16-120")
REGENERATE = "python scripts/make_fixture.py --golden"


def _draw(archs: list[tuple], n: int, rng: np.random.Generator) -> list[tuple]:
    """``n`` distinct architectures drawn from the sorted list (independent of the file's order), sorted."""
    pool = sorted(set(archs))
    return sorted(pool[i] for i in rng.choice(len(pool), size=n, replace=False))


def make_fixture(data_dir: str | None = None) -> dict[str, Any]:
    """The fixture: the seeded draw with its labels, and where it comes from."""
    from tgnas_naslib.datasets import CATALOG, load_benchmark
    from tgnas_naslib.datasets.files import FILES

    rng = np.random.default_rng(SEED)
    nb201 = {t: _labels(load_benchmark(f"nb201_{t}_15625", data_dir)) for t in NB201_TASKS}
    archs201 = _draw(list(nb201["cifar10"]), N_NB201, rng)
    nb101 = _labels(load_benchmark("nb101_500", data_dir))
    archs101 = _draw(list(nb101), N_NB101, rng)
    files = {CATALOG["nb201_cifar10_15625"].files[0], CATALOG["nb101_500"].files[0]}
    return {
        "about": {
            "what": f"{N_NB201} NB201 cells with NASLib's validation accuracy on {', '.join(NB201_TASKS)} and "
                    f"{N_NB101} NB101 cells with their CIFAR-10 validation accuracy (108 epochs), a seeded draw",
            "sources": {f: {"origin": FILES[f].origin, "licence": FILES[f].licence, "sha256": FILES[f].sha256}
                        for f in sorted(files)},
            "licence": "Apache-2.0 (github.com/automl/NASLib: NAS-Bench-Suite-Zero results)",
            "made_by": "python scripts/make_fixture.py --data-dir /path/to/benchmarks_data",
            "seed": SEED,
            "note": "some of these architectures trained some shipped models (the nb101 models saw every NB101 arch "
                    "of the 500): the golden values pin the models' behaviour, they are not zero-shot results",
        },
        "benchmarks": {
            "nasbench201": {"archs": [list(a) for a in archs201],
                            "labels": {t: [nb201[t][a] for a in archs201] for t in NB201_TASKS}},
            "nasbench101": {"archs": [list(a) for a in archs101],
                            "labels": {"cifar10": [nb101[a] for a in archs101]}},
        },
    }


def _labels(bench: Any) -> dict[tuple, float]:
    """arch -> label of a benchmark (its reader keeps one record per architecture key)."""
    return dict(zip(bench.archs, bench.y.tolist()))


def load_fixture(path: Path = FIXTURE) -> dict[str, Any]:
    """The committed fixture."""
    return json.loads(path.read_text())


def shipped_models() -> dict[str, Callable[[], Any]]:
    """Every model the package ships, name -> loader, read from the package now: each name of the API's
    ``PRETRAINED_MODELS``, and each checkpoint of the ``pretrained`` folder that no name reaches (by its path there,
    e.g. ``lfo/lfo_nb101.pt``), so that no shipped model goes unpinned."""
    from tgnas_naslib import TGNAS, api

    models: dict[str, Callable[[], Any]] = {name: functools.partial(TGNAS.pretrained, name)
                                           for name in api.PRETRAINED_MODELS}
    folder = Path(api.__file__).with_name("pretrained")
    named = {Path(p).resolve() for p in api.PRETRAINED_MODELS.values()}
    for path in sorted(folder.rglob("*.pt")):
        if path.resolve() not in named:
            models[path.relative_to(folder).as_posix()] = functools.partial(TGNAS.load, path)
    return models


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rho with average ranks for ties (scipy's when installed, else the same in numpy)."""
    try:
        from scipy.stats import spearmanr
    except ModuleNotFoundError:
        return float(np.corrcoef(_ranks(x), _ranks(y))[0, 1])
    return float(spearmanr(x, y).statistic)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share theirs); -inf ranks lowest."""
    x = np.asarray(x, dtype=float)
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(1, len(x) + 1)
    for value in np.unique(x):
        tied = x == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def model_rhos(load: Callable[[], Any], fixture: dict[str, Any]) -> dict[str, float]:
    """One model's Spearman rho per ``<space>/<task>`` of the fixture (``load`` gives the model)."""
    model = load()
    out = {}
    for space, bench in fixture["benchmarks"].items():
        scores = model.score([tuple(a) for a in bench["archs"]], space=space)
        for task, labels in bench["labels"].items():
            out[f"{space}/{task}"] = spearman(scores, np.asarray(labels, dtype=float))
    return out


def make_golden(fixture: dict[str, Any]) -> dict[str, Any]:
    """Every shipped model's rhos on the fixture, rounded to 4 decimals."""
    return {"about": {"what": "Spearman rho of each shipped model's scores with the labels of labelled.json",
                      "made_by": REGENERATE, "tolerance": TOLERANCE},
            "models": {name: {k: round(v, 4) for k, v in model_rhos(load, fixture).items()}
                       for name, load in shipped_models().items()}}


def _dump(value: Any, indent: int = 0) -> str:
    """JSON with lists of numbers on one line (an architecture or a label list per line)."""
    pad = " " * indent
    if isinstance(value, dict):
        items = [f'{pad} {json.dumps(k)}: {_dump(v, indent + 1).lstrip()}' for k, v in value.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and isinstance(value[0], list):
        return pad + "[\n" + ",\n".join(pad + "  " + json.dumps(v) for v in value) + "\n" + pad + "]"
    return pad + json.dumps(value)


def main(argv: list[str] | None = None) -> int:
    """Write the fixture (from the data directory) or, with ``--golden``, the golden values (from the fixture)."""
    parser = argparse.ArgumentParser(prog="python scripts/make_fixture.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="benchmark data directory (default: $TGNAS_DATA_DIR, else "
                                                         "./benchmarks_data)")
    parser.add_argument("--golden", action="store_true", help=f"write {GOLDEN.relative_to(ROOT)} from the fixture")
    args = parser.parse_args(argv)
    try:
        if args.golden:
            GOLDEN.write_text(_dump(make_golden(load_fixture())) + "\n")
            print(f"wrote {GOLDEN.relative_to(ROOT)}")
        else:
            FIXTURE.parent.mkdir(parents=True, exist_ok=True)
            FIXTURE.write_text(_dump(make_fixture(args.data_dir)) + "\n")
            print(f"wrote {FIXTURE.relative_to(ROOT)} ({FIXTURE.stat().st_size / 1024:.0f} KiB)")
    except Exception as exc:  # noqa: BLE001 -- user errors (a missing data file) become one line
        from tgnas_naslib.errors import report_user_error

        return report_user_error(parser.prog, exc)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
