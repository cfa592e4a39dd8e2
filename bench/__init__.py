"""Benchmark, load and fuzz scripts, each run as `python -m bench.<name>` (see the Makefile)."""
