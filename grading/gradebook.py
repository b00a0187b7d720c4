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


def max_scores(db_url: str) -> dict[str, float]:
    """The maximum score of every assignment in the gradebook."""
    with Gradebook(db_url, COURSE_ID) as gb:
        return {a.name: float(a.max_score) for a in gb.assignments}


def register_students(db_url: str, students: list[str]) -> None:
    """Create the students' gradebook entries up front, so parallel graders never race to create one."""
    with Gradebook(db_url, COURSE_ID) as gb:
        for student in students:
            gb.update_or_create_student(student)


def all_cell_scores(db_url: str, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, CellScore]]:
    """cell_scores for many (student, assignment) pairs in one gradebook session."""
    out: dict[tuple[str, str], dict[str, CellScore]] = {}
    with Gradebook(db_url, COURSE_ID) as gb:
        for student, assignment in pairs:
            try:
                notebook = gb.find_submission_notebook(NOTEBOOK, assignment, student)
            except MissingEntry:
                out[(student, assignment)] = {}
                continue
            out[(student, assignment)] = {g.name: CellScore(g.name, float(g.score), float(g.max_score),
                                                            bool(g.needs_manual_grade)) for g in notebook.grades}
    return out
