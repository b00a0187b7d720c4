"""What the browser and database tests need from this machine, said at the top of every test run; the tests'
options; the folder of the run's one release (tests/harness.py); the session fixtures that modules the root
conftest.py's SAME_WORKER puts on one xdist worker share."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from browser_harness import CHROMIUM, chromium_missing
from grading import course
from grading.demo.classes import build_bench_class
from harness import SHARED_RELEASE, cli, released_course
from postgres_server import INITDB, postgres_missing


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--all-kernels``: stock nbgrader in ordinary kernels grades the whole corpus, and fresh grading kernels the
    whole hostile class, not a sample of each (for a release);
    ``--chinese-corpus``: the whole corpus is graded in Chinese release notebooks too (tests/test_i18n_grading.py)."""
    parser.addoption("--all-kernels", action="store_true",
                     help="compare stock nbgrader's scores with ours on every corpus submission, and fresh "
                          "kernels' with warm ones' on every hostile one, not a sample")
    parser.addoption("--chinese-corpus", action="store_true",
                     help="grade the whole corpus in English and in Chinese release notebooks and compare every score")


def pytest_configure(config: pytest.Config) -> None:
    """The controller (or a run without xdist) makes the folder where the run's one release is kept
    (:func:`harness.released_course`); its workers inherit the variable naming it, and it is removed at the end."""
    if not hasattr(config, "workerinput"):
        folder = tempfile.mkdtemp(prefix="released-")
        os.environ[SHARED_RELEASE] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def pytest_report_header(config: pytest.Config) -> list[str]:
    """One line each: the Chromium and PostgreSQL the tests use, or why their tests are skipped."""
    browser = chromium_missing()
    database = postgres_missing()
    return [f"browser tests: {f'skipped: {browser}' if browser else f'Chromium at {CHROMIUM}'}",
            f"PostgreSQL tests: {f'skipped: {database}' if database else f'server from {INITDB[-1].parent}'}"]


@pytest.fixture(scope="session")
def pairs_on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(course directory, class folder): the bench class of two students, ``s000`` right and ``s001`` partly wrong
    in every assignment, graded on SQLite with ``--jobs 2`` as without PostgreSQL or Dask; what test_postgres and
    test_dask compare their gradings with, graded once."""
    course_dir = released_course(tmp_path_factory.mktemp("on_sqlite") / "course")  # a copy of one release
    submissions = tmp_path_factory.mktemp("two_students")
    build_bench_class(course_dir / "release", course.assignments(), submissions, 2)
    cli(course_dir, "autograde", str(submissions), "--jobs", "2")
    return course_dir, submissions
