"""Synthetic classes built from the release notebooks, for the demo, the benchmark and the tests."""
