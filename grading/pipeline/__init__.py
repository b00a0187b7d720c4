"""Grading with nbgrader: the autograde run, its parallel workers, the Execute step whose test cells are judged."""
