"""Reading results out of nbgrader's gradebook."""
from __future__ import annotations

from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry

from .course import COURSE_ID, NOTEBOOK


@dataclass(frozen=True)
class CellScore:
    """The score of one graded cell of one submission."""

    grade_id: str
    score: float
    max_score: float
    needs_manual_grade: bool


def cell_scores(db_url: str, assignment: str, student: str) -> dict[str, CellScore]:
    """Score of every graded cell (by grade_id) of a student's exercise notebook; {} if none."""
    with Gradebook(db_url, COURSE_ID) as gb:
        try:
            notebook = gb.find_submission_notebook(NOTEBOOK, assignment, student)
        except MissingEntry:
            return {}
        return {g.name: CellScore(g.name, float(g.score), float(g.max_score), bool(g.needs_manual_grade))
                for g in notebook.grades}
