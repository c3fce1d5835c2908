"""Benchmarks of hoso (`make bench` = `python -m bench.run`); results in docs/benchmarks.md."""
