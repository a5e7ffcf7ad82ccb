"""Benchmarks of the product (commands over HTTP, import, rebuild, views), each figure
beside its floor measured in the same run.

Run `python -m bench --help`. These are not tests: nothing here asserts on timings.
"""
