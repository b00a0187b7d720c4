"""Grading with nbgrader: the autograde run, its parallel workers, and the Execute step whose test cells the grader judges."""
