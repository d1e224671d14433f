"""Offline stand-ins for NASLib's ``dataset_api`` built from the benchmark data we ship (no NASLib pickles).

``nb201_dataset_api()`` gives ``{'nb201_data': {arch_str: {'cifar10-valid' | 'cifar100' | 'ImageNet16-120':
{'eval_acc1es': [acc], 'train_acc1es': [acc], 'cost_info': {'train_time': 0.0}}}}}`` over all 15,625 NB201
cells, with the validation accuracies of ``tgnas_naslib.datasets.load_benchmark("nb201_<task>_15625")``.
That is what ``Graph.query(Metric.VAL_ACCURACY / TEST_ACCURACY / TRAIN_ACCURACY, dataset, dataset_api)`` of
NASLib's NB201 space reads (all three report the validation accuracy here; train time is 0).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

#: NASLib dataset name -> the key NASLib's NB201 ``query`` looks up in ``nb201_data[arch_str]``
NB201_DATASET_KEYS = {"cifar10": "cifar10-valid", "cifar100": "cifar100", "ImageNet16-120": "ImageNet16-120"}


def _arch_str(op_indices: tuple) -> str:
    from naslib.search_spaces.nasbench201.conversions import convert_op_indices_to_str

    return convert_op_indices_to_str(list(op_indices))


@lru_cache(maxsize=8)
def _nb201(datasets: tuple[str, ...], data_dir: str | None) -> dict:
    from tgnas_naslib.datasets import load_benchmark

    data: dict[str, dict] = {}
    for ds in datasets:
        if ds not in NB201_DATASET_KEYS:
            raise ValueError(f"unknown NB201 dataset {ds!r}; known: {', '.join(NB201_DATASET_KEYS)}")
        bench = load_benchmark(f"nb201_{ds}_15625", data_dir)
        for rec in bench.records:
            entry = data.setdefault(_arch_str(rec.arch), {})
            acc = float(rec.y)
            entry[NB201_DATASET_KEYS[ds]] = {"eval_acc1es": [acc], "train_acc1es": [acc],
                                             "cost_info": {"train_time": 0.0}}
    return data


def nb201_dataset_api(datasets: Any = ("cifar10",), data_dir: str | os.PathLike | None = None) -> dict:
    """A NASLib NB201 ``dataset_api`` of real validation accuracies (see module doc); cached per process."""
    if isinstance(datasets, str):
        datasets = (datasets,)
    return {"nb201_data": _nb201(tuple(datasets), default_data_dir(data_dir))}


def default_data_dir(data_dir: str | os.PathLike | None = None) -> str | None:
    """``data_dir`` if given; else ``$TGNAS_DATA_DIR``; else the directory the compat layer's CIFAR-10 npz lives
    in (``<repo>/../shared/benchmarks_data``) when it exists; else None (the core's own default)."""
    if data_dir is not None:
        return str(data_dir)
    if os.environ.get("TGNAS_DATA_DIR"):
        return os.environ["TGNAS_DATA_DIR"]
    from .compat import default_cifar10_npz

    guess = default_cifar10_npz().parents[1]
    return str(guess) if guess.is_dir() else None
