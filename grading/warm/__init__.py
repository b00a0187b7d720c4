"""Warm, isolated grading kernels: one process per notebook, forked from a parent that imported torch once."""
