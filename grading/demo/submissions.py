"""Building submissions from notebooks: the reference answers and filled-in release copies.

Used by the demo class, the benchmark and the test corpora, so that every synthetic
submission starts from the notebook students really receive.
"""
from __future__ import annotations

from pathlib import Path
from typing import cast

import nbformat

from ..course import NOTEBOOK, SOLUTIONS, grade_id

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def strip_markers(source: str) -> str:
    """A solution cell's source with nbgrader's solution markers removed (the correct answer)."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


def reference_answers(assignment: str) -> dict[str, str]:
    """grade_id -> reference source of every solution cell of an assignment."""
    nb = nbformat.read(SOLUTIONS / assignment / f"{NOTEBOOK}.ipynb", as_version=4)
    # nbgrader gives every solution cell a grade_id
    return {cast(str, grade_id(c)): strip_markers(c.source) for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")}


def fill(release_notebook: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of the release notebook with the given solution cells' sources replaced."""
    nb = nbformat.read(release_notebook, as_version=4)
    found = set()
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in answers:
            cell.source = answers[gid]
            found.add(gid)
    missing = set(answers) - found
    if missing:
        raise KeyError(f"no cell with grade_id {sorted(missing)} in {release_notebook}")
    return nb
