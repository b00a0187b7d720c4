"""A submission's status comes from data (the exception that ended its grading, its autograded notebook's
error outputs), never from nbgrader's log text; and the gradebook URL is read back from a course's config."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.preprocessors import ExecutePreprocessor
from nbgrader.api import InvalidEntry
from sqlalchemy.exc import OperationalError

from grading import course
from grading.demo.classes import prefixed
from grading.pipeline.commands import db_url_of
from grading.pipeline.execute import BoundedExecute
from grading.pipeline.workers import LOG_KEPT, LOGS, RecordingAutograde, outcome_of, output_to, status_of
from grading.reports.tables import read
from grading.sandbox.channel import MAX_MESSAGE_BYTES
from grading.status import Ended, Outcome, Status
from harness import CourseUnderTest

FILES = Path(__file__).parent / "files"
# Every phrase the grader once searched nbgrader's log for, and then some.
LOG_PHRASES = "DeadKernelError Kernel died kernel died Timeout waiting for IOPub output CellTimeoutError timed out"


def notebook(name: str) -> nbformat.NotebookNode:
    """A fixture notebook of tests/files."""
    return nbformat.read(FILES / f"{name}.ipynb", as_version=4)


def test_statuses_are_the_strings_of_the_spec():
    assert [str(s) for s in Status] == ["ok", "missing_notebook", "invalid_notebook", "cells_modified", "kernel_died",
                                        "timeout", "memory_limit", "output_limit", "error"]
    assert Status.TIMEOUT == "timeout" and f"{Status.KERNEL_DIED}" == "kernel_died"
    assert f"over {MAX_MESSAGE_BYTES // 2**20} MiB" in Status.OUTPUT_LIMIT.reason


@pytest.mark.parametrize("name, status", [
    ("autograded_ok", Status.OK),
    ("autograded_wrong_answer", Status.OK),  # a failing test is a score, not a status, whatever its message says
    ("autograded_allocator", Status.MEMORY_LIMIT),
    ("autograded_memoryerror", Status.MEMORY_LIMIT),
    ("autograded_timeout", Status.TIMEOUT),
])
def test_a_notebook_that_ran_to_the_end_gets_its_status_from_its_error_outputs(name, status):
    verdict = status_of(notebook(name), None)
    assert verdict.status == status
    assert verdict.reason == status.reason


@pytest.mark.parametrize("status", [Status.KERNEL_DIED, Status.OUTPUT_LIMIT, Status.TIMEOUT])
def test_how_the_kernel_ended_the_run_comes_first(status):
    """The kernel's end is the cause: output a dying notebook showed before (a MemoryError) does not hide it."""
    for nb in (None, notebook("autograded_memoryerror"), notebook("autograded_ok")):
        assert status_of(nb, Outcome(status)) == Outcome(status)


def test_a_grader_failure_is_an_error_unless_the_notebook_shows_why():
    gradebook = Outcome(Status.ERROR, "not graded, the gradebook failed: gone; run autograde again")
    assert status_of(None, gradebook) == gradebook
    assert status_of(notebook("autograded_ok"), gradebook) == gradebook
    assert status_of(notebook("autograded_allocator"), gradebook).status == Status.MEMORY_LIMIT
    assert status_of(None, None).status == Status.ERROR  # nbgrader wrote nothing and said nothing


def test_an_exception_is_judged_by_its_type_not_its_words():
    assert outcome_of(Ended(Status.KERNEL_DIED)) == Outcome(Status.KERNEL_DIED)
    assert outcome_of(Ended(Status.KERNEL_DIED, "the kernel did not start: x")).reason == "the kernel did not start: x"
    misleading = outcome_of(RuntimeError(LOG_PHRASES))
    assert misleading.status == Status.ERROR and misleading.reason == f"RuntimeError: {LOG_PHRASES}"
    for failure in (OperationalError("UPDATE grade", {}, Exception("server closed the connection\nunexpectedly")),
                    InvalidEntry("(psycopg2.OperationalError) SSL connection has been closed")):
        outcome = outcome_of(failure)
        assert outcome.status == Status.ERROR
        assert outcome.reason.startswith("not graded, the gradebook failed: ") and "\n" not in outcome.reason
        assert outcome.reason.endswith("; run autograde again")


@pytest.mark.parametrize("raised, status", [
    (DeadKernelError(LOG_PHRASES), Status.KERNEL_DIED),
    (DeadKernelError(""), Status.KERNEL_DIED),
    (CellTimeoutError(LOG_PHRASES), Status.OUTPUT_LIMIT),  # cells past the limit are interrupted, never raise
    (CellTimeoutError(""), Status.OUTPUT_LIMIT),
])
def test_the_execute_step_says_how_the_run_ended(monkeypatch, raised, status):
    """nbclient's exceptions leave BoundedExecute with the status their type means, whatever they say."""
    def fail(self, nb, resources=None, km=None):
        raise raised
    monkeypatch.setattr(ExecutePreprocessor, "preprocess", fail)
    with pytest.raises(Ended) as ended:
        BoundedExecute().preprocess(notebook("autograded_ok"), {})
    assert ended.value.outcome == Outcome(status)
    assert isinstance(ended.value, type(raised))  # still nbclient's type, for whoever catches that


def test_the_converter_keeps_the_first_exception_for_the_worker():
    converter = RecordingAutograde()
    with pytest.raises(Ended):
        with converter.recording():
            raise Ended(Status.OUTPUT_LIMIT)
    with pytest.raises(ValueError):
        with converter.recording():  # what nbgrader raises after, in its clean-up, does not replace it
            raise ValueError("later")
    assert converter.outcome == Outcome(Status.OUTPUT_LIMIT)


def test_reworded_logs_change_no_verdict_and_stay_off_the_terminal(tmp_path):
    """`python -m grading autograde` on a dying and a looping submission, with every log message in the grader
    reworded to one meaningless sentence: the statuses are those the demo class gets, and the terminal shows
    one line for each instead of nbgrader's log, which is kept in the submission's log file."""
    site = tmp_path / "site"
    site.mkdir()
    reword = "import logging\nlogging.LogRecord.getMessage = lambda record: 'it happened'\n"
    (site / "sitecustomize.py").write_text(reword)
    under_test = CourseUnderTest(tmp_path / "course")
    assignment = course.assignments()[0]
    released = under_test.release(assignment)
    for student, code in [("hana", "import os\nos._exit(1)"), ("gus", "while True:\n    pass")]:
        path = tmp_path / "class" / student / assignment / f"{course.NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(prefixed(code)(released, assignment), path)
    env = dict(course.nbgrader_env(), PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "grading", "--course-dir", str(under_test.dir), "autograde",
                           str(tmp_path / "class"), "--jobs", "2", "--timeout", "3"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {r["student"]: r for r in read(under_test.dir / "reports" / "grades.csv")}
    assert {s: r["status"] for s, r in rows.items()} == {"hana": "kernel_died", "gus": "timeout"}
    assert f"hana {assignment}: kernel_died: {Status.KERNEL_DIED.reason}" in done.stderr.splitlines()
    assert f"gus {assignment}: timeout: {Status.TIMEOUT.reason}" in done.stderr.splitlines()
    assert "it happened" not in done.stderr and "Traceback" not in done.stderr
    log = under_test.dir / LOGS / assignment / "hana.log"
    assert "it happened" in log.read_text() and "Kernel died" not in log.read_text()
    assert f"{under_test.dir / LOGS}" in done.stderr


def test_a_flooded_log_keeps_its_beginning_and_end_only(tmp_path):
    """A kernel writes to the stdout it shares with its submission's log, up to its file limit (256 MiB): the log
    keeps LOG_KEPT bytes, nbgrader's first and last words included, so a class cannot fill the disk."""
    log = tmp_path / "kai.log"
    with output_to(log):
        os.write(1, b"nbgrader starts\n" + b"spam\n" * (3 * LOG_KEPT // 5) + b"nbgrader ends\n")
    text = log.read_bytes()
    assert len(text) < LOG_KEPT + 100
    assert text.startswith(b"nbgrader starts\n") and text.endswith(b"nbgrader ends\n")
    assert b"bytes cut by the grader" in text
    with output_to(log):
        os.write(2, b"a short log stays whole\n")
    assert log.read_bytes() == b"a short log stays whole\n"


def test_the_gradebook_url_is_read_back_as_release_wrote_it(tmp_path):
    url = "postgresql://grader:s3cret@db.example.org/gradebook"
    assert db_url_of(course.prepare(tmp_path / "server", url)) == url
    default = course.prepare(tmp_path / "embedded")
    assert db_url_of(default) == course.default_db_url(default)


EDITED = """c = get_config()
c.CourseDirectory.course_id = "parameters"
# c.CourseDirectory.db_url = "sqlite:///old.db"
c.CourseDirectory.db_url   =   "postgresql://grader:s3cret@db.example.org:5432/gradebook"
"""


def test_the_gradebook_url_of_a_hand_edited_config(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(EDITED)  # double quotes, spaces, an old value commented out
    assert db_url_of(tmp_path) == "postgresql://grader:s3cret@db.example.org:5432/gradebook"
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'x'\n")
    assert db_url_of(tmp_path) == course.default_db_url(tmp_path)  # none set: nbgrader's SQLite file there
