"""The course's gradebook on a real PostgreSQL server, driven through the command line as an instructor drives it.

One server for the module (tests/postgres_server.py). A class of 8 notebooks (2 students, 4 assignments) is
released with ``--db-url`` and graded once with ``--jobs 2``; its scores must equal those of the same notebooks
graded on SQLite (tests/conftest.py), the database must hold every row, and nbgrader's own tools must read it.
Then the faults: a server that refuses connections at the start, and one that restarts in the middle of a run.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from nbgrader.api import Gradebook
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from browser_harness import free_port, jupyter_lab
from grading import course
from grading.cli import parser
from grading.gradebook import scratch_database, shown
from grading.reports.tables import read
from harness import cli
from postgres_server import PostgresServer, postgres_missing

STUDENTS = 2  # x 4 assignments: 8 notebooks, see on_postgres
RESTARTED = ["s000", "s001"]  # a right and a partly wrong student, in two assignments: 4 notebooks graded again
RESTARTED_IN = course.assignments()[:2]  # while the server restarts

Scores = dict[str, tuple[str, str]]  # grade_id -> (score, max_score), as questions.csv writes them


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """The module's PostgreSQL server, removed at the end."""
    missing = postgres_missing()
    if missing:
        pytest.skip(missing)
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.remove()


def graded_cells(reports: Path) -> dict[tuple[str, str], Scores]:
    """(student, assignment) -> the score of every graded cell, from questions.csv."""
    cells: dict[tuple[str, str], Scores] = {}
    for q in read(reports / "questions.csv"):
        cells.setdefault((q["student"], q["assignment"]), {})[q["grade_id"]] = (q["score"], q["max_score"])
    return cells


@pytest.fixture(scope="module")
def on_sqlite(pairs_on_sqlite: tuple[Path, Path]) -> dict[tuple[str, int], Scores]:
    """(assignment, student number mod 2) -> cell scores on SQLite: the bench class holds two notebooks per
    assignment (even students right, odd ones partly wrong), so grading s000 and s001 grades every kind
    (tests/conftest.py)."""
    cells = graded_cells(pairs_on_sqlite[0] / "reports")
    return {(a, k): cells[(f"s{k:03d}", a)] for a in course.assignments() for k in (0, 1)}


@pytest.fixture(scope="module")
def on_postgres(postgres: PostgresServer, pairs_on_sqlite: tuple[Path, Path],
                tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(course directory, class folder, gradebook URL): the class released and graded on PostgreSQL.

    The class graded on SQLite (tests/conftest.py): a right and a partly wrong student per assignment, 8 notebooks.
    With ``--jobs 2`` both workers write scores of right and of wrong notebooks while the other writes too, which is
    what the gradebook must survive; the 200-notebook scale is `python -m grading bench --db-url`'s to time."""
    url = postgres.create_database("course")
    course_dir = tmp_path_factory.mktemp("postgres") / "course"
    cli(course_dir, "release", "--db-url", url)
    submissions = pairs_on_sqlite[1]  # read only: autograde copies it into the course
    cli(course_dir, "autograde", str(submissions), "--jobs", "2")
    return course_dir, submissions, url


def expected(on_sqlite: dict[tuple[str, int], Scores], student: str, assignment: str) -> Scores:
    """The SQLite scores of the notebook this student handed in."""
    return on_sqlite[(assignment, int(student[1:]) % 2)]


def run_cli(course_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m grading` as an instructor runs it, whatever its exit status."""
    return subprocess.run([sys.executable, "-m", "grading", "--course-dir", str(course_dir), *args],
                          capture_output=True, text=True, env=course.nbgrader_env(), timeout=1200)


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under a folder: relative path -> (size, modification time in ns)."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")
            if p.is_file()}


def test_the_class_scores_as_on_sqlite(on_postgres: tuple[Path, Path, str],
                                       on_sqlite: dict[tuple[str, int], Scores]) -> None:
    course_dir, _, _ = on_postgres
    grades = read(course_dir / "reports" / "grades.csv")
    assert len(grades) == STUDENTS * len(course.assignments())
    assert {r["status"] for r in grades} == {"ok"}, [r for r in grades if r["status"] != "ok"]
    cells = graded_cells(course_dir / "reports")
    wrong = [(s, a) for (s, a), scores in cells.items() if scores != expected(on_sqlite, s, a)]
    assert len(cells) == len(grades) and not wrong, wrong


def test_the_database_holds_every_row(on_postgres: tuple[Path, Path, str]) -> None:
    course_dir, _, url = on_postgres
    cells = graded_cells(course_dir / "reports")
    with Gradebook(url, course.COURSE_ID) as gb:
        assert sorted(s.id for s in gb.students) == [f"s{k:03d}" for k in range(STUDENTS)]
        for assignment in course.assignments():
            notebooks = gb.notebook_submissions(course.NOTEBOOK, assignment)
            assert len(notebooks) == STUDENTS
            assert sum(len(nb.grades) for nb in notebooks) == sum(len(cells[(nb.student.id, assignment)])
                                                                  for nb in notebooks)


def test_nbgrader_and_formgrader_read_the_same_database(on_postgres: tuple[Path, Path, str],
                                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    course_dir, _, _ = on_postgres
    listed = course.nbgrader(course_dir, "db", "student", "list")
    assert f"There are {STUDENTS} students in the database" in listed.stdout + listed.stderr
    totals = {(r["student"], r["assignment"]): float(r["score"]) for r in read(course_dir / "reports" / "grades.csv")}
    with jupyter_lab(course_dir, tmp_path_factory.mktemp("jupyter")) as lab:
        for assignment in course.assignments():
            response = lab.api("GET", f"formgrader/api/submitted_notebooks/{assignment}/{course.NOTEBOOK}")
            response.raise_for_status()
            shown = {(n["student"], assignment): n["score"] for n in response.json()}
            assert shown == {key: score for key, score in totals.items() if key[1] == assignment}


def test_a_server_that_refuses_at_the_start_gets_a_clear_error_and_nothing_is_written(
        on_postgres: tuple[Path, Path, str], postgres: PostgresServer) -> None:
    course_dir, submissions, _ = on_postgres
    before = files(course_dir)
    postgres.stop()
    try:
        done = run_cli(course_dir, "autograde", str(submissions), "--jobs", "2")
    finally:
        postgres.start()
    assert done.returncode != 0
    assert (f"error: cannot connect to the gradebook at postgresql://grader:***@127.0.0.1:{postgres.port}/course"
            in done.stderr), done.stderr
    assert "Connection refused" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert postgres.password not in done.stdout + done.stderr
    assert files(course_dir) == before


def test_release_to_a_server_that_refuses_writes_nothing(tmp_path: Path) -> None:
    course_dir = tmp_path / "course"
    url = f"postgresql://grader:secret@127.0.0.1:{free_port()}/gradebook"  # nothing listens there
    done = run_cli(course_dir, "release", "--db-url", url)
    assert done.returncode != 0
    assert "error: cannot connect to the gradebook at postgresql://grader:***@127.0.0.1:" in done.stderr, done.stderr
    assert "secret" not in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert not course_dir.exists()


def test_a_server_restart_mid_run_leaves_no_submission_missing(on_postgres: tuple[Path, Path, str],
                                                              postgres: PostgresServer,
                                                              on_sqlite: dict[tuple[str, int], Scores],
                                                              tmp_path: Path) -> None:
    course_dir, submissions, _ = on_postgres
    subset = tmp_path / "subset"
    for student in RESTARTED:
        for assignment in RESTARTED_IN:
            shutil.copytree(submissions / student / assignment, subset / student / assignment)
    total = len(RESTARTED) * len(RESTARTED_IN)
    log = tmp_path / "stdout.txt"
    with log.open("w") as stdout:
        run = subprocess.Popen([sys.executable, "-m", "grading", "--course-dir", str(course_dir), "autograde",
                                str(subset), "--jobs", "2"], stdout=stdout, stderr=subprocess.PIPE,
                               env=course.nbgrader_env())
        pipe = cast(io.BufferedReader, run.stderr)  # stderr=PIPE in binary mode
        stderr, restarted = b"", False
        while chunk := pipe.read1():
            stderr += chunk
            done = [int(n) for n in re.findall(rb"\| *(\d+)/%d \[" % total, stderr)]
            if not restarted and done and max(done) >= 1:  # one graded: the other three after the restart
                postgres.restart()
                restarted = True
        assert run.wait(600) == 0, stderr.decode()[-3000:]
    assert restarted
    rows = {(r["student"], r["assignment"]): r for r in read(course_dir / "reports" / "grades.csv")
            if r["student"] in RESTARTED and r["assignment"] in RESTARTED_IN}
    assert len(rows) == total  # every submission has its row
    cells = graded_cells(course_dir / "reports")
    failed = {key for key, r in rows.items() if r["status"] != "ok"}
    for key in failed:
        assert rows[key]["status"] == "error", rows[key]
        assert re.search(r"not graded, the gradebook failed: .+; run autograde again", rows[key]["flags"]), rows[key]
    assert all(cells[key] == expected(on_sqlite, *key) for key in rows.keys() - failed)
    # The restart cuts the connection each worker keeps open, so the next gradebook access of each fails.
    assert failed, "the restart did not disturb the run"

    cli(course_dir, "autograde", str(subset), "--jobs", "2")  # the rerun completes the class
    rows = {(r["student"], r["assignment"]): r for r in read(course_dir / "reports" / "grades.csv")}
    assert len(rows) == STUDENTS * len(course.assignments())
    assert {r["status"] for r in rows.values()} == {"ok"}
    cells = graded_cells(course_dir / "reports")
    assert all(cells[key] == expected(on_sqlite, *key) for key in rows)


def test_bench_s_scratch_database_is_new_and_dropped_even_while_in_use(postgres: PostgresServer) -> None:
    """What `bench --db-url` grades in: a new database, dropped after even if a connection is left open, its password
    never shown. Grading on PostgreSQL is this module's class; bench's comparison, its smoke test in test_instructor.
    """
    before = postgres.databases()
    with scratch_database(postgres.url("postgres")) as url:
        name = make_url(url).database
        assert name not in before and name in postgres.databases()
        left_open = create_engine(url).connect()  # as a crashed worker would leave one, in a transaction
        left_open.execute(text("CREATE TABLE grade (score float)"))
        assert postgres.password not in shown(url)
    assert postgres.databases() == before
    with pytest.raises(OperationalError, match="terminating connection"):  # DROP ... WITH (FORCE) cut it
        left_open.execute(text("SELECT 1"))
    left_open.invalidate()


def test_bench_wants_a_postgres_url() -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["bench", "--db-url", "sqlite:///gradebook.db"])
