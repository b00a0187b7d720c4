"""Instructor side of the parameter-management course: intake, the nbgrader pipeline, the sandbox, reports, CLI."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: solutions/, notebooks/, course/
