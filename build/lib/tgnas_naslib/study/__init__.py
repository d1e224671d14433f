"""The proxy study: TG-NAS vs the 13 NAS-Bench-Suite-Zero proxies on 13 labelled benchmarks (correlations with
bootstrap intervals, Figure-3-style plot), proxy-independence heatmaps (NB201, TNB101-macro), rank scatter plots,
timing, and live proxy computation through NASLib on Ray or in-process (:mod:`.engine`, :mod:`.live`).
Entry point: :func:`run_study` / ``tgnas study``."""

from .correlation import bootstrap_spearman, kendall, p_at_top, precision_at_k, spearman
from .data import PROXIES, SPECS, assemble, select_specs
from .runner import LiveOptions, run_study

__all__ = ["run_study", "LiveOptions", "SPECS", "PROXIES", "assemble", "select_specs", "bootstrap_spearman", "spearman",
           "kendall", "precision_at_k", "p_at_top"]
