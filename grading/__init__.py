"""Instructor side of the parameter-management course: checks, nbgrader pipeline, CLI."""
