"""Helpers that tests and benchmarks share: in-memory twins of the ports, local systems, fixtures' building blocks."""
