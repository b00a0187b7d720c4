"""Reading results out of nbgrader's gradebook, and checks on the database server that holds it."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from .course import COURSE_ID, NOTEBOOK


class GradebookUnreachable(RuntimeError):
    """The gradebook's database server does not accept a connection."""


def shown(db_url: str) -> str:
    """A gradebook URL fit to print: its password replaced by ***."""
    return make_url(db_url).render_as_string(hide_password=True)


def require_reachable(db_url: str) -> None:
    """Raise :class:`GradebookUnreachable`, naming the URL, unless its database server accepts a connection."""
    if make_url(db_url).get_backend_name() == "sqlite":
        return  # a file nbgrader creates when needed: opening it here would write it
    engine = create_engine(db_url)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0]
        raise GradebookUnreachable(f"cannot connect to the gradebook at {shown(db_url)}: {reason}. Nothing was "
                                   "written; start the server (or correct the URL) and run the command again") from None
    finally:
        engine.dispose()


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """The URL of a new, empty database on the server of ``server_url`` (its user may create one), dropped after."""
    require_reachable(server_url)
    url = make_url(server_url)
    name = f"grading_scratch_{secrets.token_hex(6)}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as connection:  # FORCE: even if a connection to it was left open
                connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    finally:
        engine.dispose()


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
