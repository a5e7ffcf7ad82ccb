"""Benchmarks of the generic event store, with baselines measured in the same run.

Run `python -m bench.run --help`. These are not tests: nothing here asserts on timings.
"""
