"""Benchmarks run by `relance bench …` (figures in docs/benchmarks.md)."""
