"""NASLib's ``PredictorEvaluator`` on one labelled benchmark file, with fixed splits (``split: benchmark``).

NASLib's evaluator samples its test and train architectures from the search space with its global random state,
so two predictors see the same test set only if nothing else draws from that state in between, and on NB301 it
draws from the 500 labelled cells with replacement. :class:`BenchmarkSplitEvaluator` is NASLib's evaluator (its own
``evaluate`` / ``single_evaluate`` / ``compare``) with only the data loading replaced: the test set is ``test_size``
archs of the benchmark drawn with the seed, the training sets are nested prefixes of a seeded order of the other
archs (never overlapping the test set; NB301: test on the 200 of its 500 cells that training never sees), and the
labels are the benchmark file's. So every predictor, with the same seed, is tested on the same archs.

With ``zc_proxies`` / ``zc_tgnas`` each arch also carries NAS-Bench-Suite-Zero-style zero-cost features
(``info['zero_cost_scores']``: the file's stored proxies and/or the TG-NAS score of the member that never saw the
family), which NASLib's tree predictors (``xgb``, ``lgb``, ``rf``, ``ngb`` with ``zc=True``) append to the encoding.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from naslib.defaults.predictor_evaluator import PredictorEvaluator

from tgnas_naslib.datasets import load_benchmark

from .predictor import configured_model, naslib_scores

#: NASLib predictors that take zero-cost features (``Ensemble(zc=True)``)
ZC_PREDICTORS = ("xgb", "lgb", "rf", "ngb")


def split_indices(n: int, test_size: int, seed: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(test indices, the rest in the seeded order the training prefixes take) of a benchmark of ``n`` archs."""
    rng = np.random.default_rng([int(seed), zlib.crc32(b"fewshot"), zlib.crc32(name.encode())])
    perm = rng.permutation(n)
    return np.sort(perm[:test_size]), perm[test_size:]


def zc_features(records: list, proxies: list[str], tgnas: np.ndarray | None) -> list[dict]:
    """One ``{proxy: value}`` per record: the stored proxies (failures as NASLib's -1e8) and ``tgnas``."""
    out = []
    for i, r in enumerate(records):
        d = {p: float(naslib_scores([r.proxies.get(p, float("nan"))])[0]) for p in proxies}
        if tgnas is not None:
            d["tgnas"] = float(tgnas[i])
        out.append(d)
    return out


class BenchmarkSplitEvaluator(PredictorEvaluator):
    """NASLib's ``PredictorEvaluator`` whose archs and labels come from a benchmark file, split as the module says."""

    def __init__(self, predictor: Any, config: Any, benchmark: str, data_dir: Any = None,
                 zc_proxies: list[str] | None = None, zc_tgnas: bool = False) -> None:
        super().__init__(predictor, config=config)
        bench = load_benchmark(benchmark, data_dir)
        self.benchmark = benchmark
        self.records = [r for r in bench.records if r.y is not None]
        test, rest = split_indices(len(self.records), int(config.test_size), int(config.seed), benchmark)
        need = int(max(config.train_size_list if config.experiment_type == "vary_train_size"
                       else [config.train_size_single]))
        if need > len(rest):
            from .runconfig import ConfigError

            raise ConfigError(f"train_size {need}: {benchmark} has {len(self.records)} labelled archs, "
                              f"{len(rest)} outside the test set of {len(test)}")
        self._order = {"test": list(test), "train": list(rest)}
        self._stage = 0
        self.zc = bool(zc_proxies) or zc_tgnas
        tg = None
        if zc_tgnas:  # the zero-shot TG-NAS score: the member that never saw the benchmark's family
            model = configured_model()
            tg = naslib_scores(model.score([r.arch for r in self.records], space=bench.space))
            self.tgnas_scored_by = model.describe(bench.space)
        self.features = zc_features(self.records, list(zc_proxies or []), tg) if self.zc else None

    def adapt_search_space(self, search_space, load_labeled=False, scope=None, dataset_api=None):
        """NASLib's, plus TransNAS-Bench-101-micro (no learning curves or hyperparameters needed here)."""
        if search_space.get_type() != "transbench101_micro":
            return super().adapt_search_space(search_space, load_labeled, scope, dataset_api)
        self.search_space = search_space.clone()
        self.scope = scope if scope else search_space.OPTIMIZER_SCOPE
        self.predictor.set_ss_type(self.search_space.get_type())
        self.load_labeled, self.dataset_api = load_labeled, dataset_api
        self.full_lc = self.hyperparameters = False

    def load_dataset(self, load_labeled=False, data_size=10, arch_hash_map=None):
        """NASLib calls this for the test set, then the training set, then (SemiNAS) unlabelled archs: the fixed
        test archs, the first ``data_size`` of the training order, then the next ``data_size`` of it."""
        stage = ("test", "train", "unlabeled")[min(self._stage, 2)]
        self._stage += 1
        order = self._order["test"] if stage == "test" else self._order["train"]
        start = self._train_max if stage == "unlabeled" else 0
        if stage == "train":
            self._train_max = data_size
        picked = order[start:start + data_size]
        if len(picked) < data_size and stage == "unlabeled":  # SemiNAS wants more than there is: what remains
            picked = order[start:]
        xdata, ydata, info = [], [], []
        for i in picked:
            g = self.search_space.clone()
            g.set_spec(self.records[i].arch)
            xdata.append(g)
            ydata.append(float(self.records[i].y))
            info.append({"zero_cost_scores": self.features[i]} if self.zc else {})
        return [xdata, ydata, info, [float("nan")] * len(xdata)], (arch_hash_map or {})

    def single_evaluate(self, train_data, test_data, fidelity):
        """NASLib's, after handing the training archs' zero-cost features to the predictor (Suite-Zero style)."""
        if self.zc:
            self.predictor.set_pre_computations(
                xtrain_zc_info={"zero_cost_scores": [i["zero_cost_scores"] for i in train_data[2]]})
        return super().single_evaluate(train_data, test_data, fidelity)
