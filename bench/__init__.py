"""Benchmarks: a deterministic data generator (bench.generate) and, later, the benchmarks themselves."""
