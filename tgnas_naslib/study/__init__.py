"""The proxy study: TG-NAS vs the 13 NAS-Bench-Suite-Zero proxies on 12 benchmarks (correlations with
bootstrap intervals, Figure-3-style plot), proxy-independence heatmaps, rank scatter plots, timing, and
optional live proxy computation through NASLib. Entry point: :func:`run_study` / ``tgnas study``."""

from .correlation import bootstrap_spearman, kendall, p_at_top, precision_at_k, spearman
from .data import PROXIES, SPECS, assemble, select_specs
from .runner import run_study

__all__ = ["run_study", "SPECS", "PROXIES", "assemble", "select_specs", "bootstrap_spearman", "spearman",
           "kendall", "precision_at_k", "p_at_top"]
