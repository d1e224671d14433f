"""Benchmark data loaders: ground truth and precomputed proxies, read from the data directory."""

from .catalog import CATALOG, available_benchmarks, load_benchmark
from .records import FAILED, ArchRecord, Benchmark, is_failed

__all__ = ["CATALOG", "available_benchmarks", "load_benchmark", "ArchRecord", "Benchmark", "FAILED", "is_failed"]
