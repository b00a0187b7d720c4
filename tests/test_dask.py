"""Grading on a Dask cluster (``autograde --scheduler local:2``), driven through the command line as an instructor
drives it, plus the checks on what a worker may return.

One small class (2 students x 2 assignments: right and partly wrong notebooks, one with a hand-graded cell) is
graded with ``--jobs 2`` (as part of test_postgres's class on SQLite, tests/conftest.py), and on a local cluster of
two workers while the test kills, twice, the worker grading one submission. That row must read ``error`` and every
other equal the ``--jobs`` grading; no kernel may be left running; a rerun grades only that submission, after which
the whole class equals the ``--jobs`` grading cell by cell (that rerun on a ``dask scheduler`` and a ``dask worker``
started as README says, reached at its ``tcp://`` address), and one more rerun grades nothing.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import psutil
import pytest
from distributed import Client

from browser_harness import free_port
from grading import ROOT, course
from grading.cluster.tasks import MAX_RESULT_BYTES, Refused, Result, Task
from grading.demo.classes import build_bench_class
from grading.pipeline.split import differences
from grading.reports.tables import read
from grading.status import Outcome, Status
from harness import cli, released_course

ASSIGNMENTS = ["01_parameter_access", "04_parameter_tying"]
VICTIM = ("s000", "01_parameter_access")  # the submission whose worker is killed twice

Grades = dict[tuple[str, str], dict[str, str]]
Cells = dict[tuple[str, str, str], tuple[str, str]]


def rows(course_dir: Path) -> tuple[Grades, Cells]:
    """grades.csv by (student, assignment); questions.csv's (score, max_score) by (student, assignment, grade_id)."""
    reports = course_dir / "reports"
    return ({(r["student"], r["assignment"]): r for r in read(reports / "grades.csv")},
            {(q["student"], q["assignment"], q["grade_id"]): (q["score"], q["max_score"])
             for q in read(reports / "questions.csv")})


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a released course directory, the class folder: ASSIGNMENTS of the bench class of tests/conftest.py)."""
    root = tmp_path_factory.mktemp("released")
    released_course(root / "course")  # a copy of one release (tests/harness.py)
    build_bench_class(root / "course" / "release", ASSIGNMENTS, root / "class", 2)
    return root / "course", root / "class"


@pytest.fixture(scope="module")
def on_jobs(pairs_on_sqlite: tuple[Path, Path]) -> tuple[Grades, Cells]:
    """The class's rows graded with ``--jobs 2``, as without Dask: those of ASSIGNMENTS in the same notebooks
    graded once for test_postgres too (tests/conftest.py)."""
    grades, cells = rows(pairs_on_sqlite[0])
    return ({key: row for key, row in grades.items() if key[1] in ASSIGNMENTS},
            {key: score for key, score in cells.items() if key[1] in ASSIGNMENTS})


@pytest.fixture(scope="module")
def on_cluster(released: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The class graded on ``local:2`` while the worker grading VICTIM is killed twice, then graded again twice:
    the rows and stderr of each run, and the processes left running after the first."""
    root = tmp_path_factory.mktemp("cluster")
    course_dir = course.copy(released[0], root / "course")
    scratch = root / "tmp"  # the run's TMPDIR: the workers' scratch courses and kernelspecs are below it
    scratch.mkdir()
    run = subprocess.Popen([sys.executable, "-m", "grading", "--course-dir", str(course_dir), "autograde",
                            str(released[1]), "--scheduler", "local:2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=dict(course.nbgrader_env(), TMPDIR=str(scratch)))
    killed, deadline = 0, time.monotonic() + 300
    while run.poll() is None and killed < 2 and time.monotonic() < deadline:
        killed += kill_the_worker_grading(run.pid, *VICTIM)
        time.sleep(0.05)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0 and killed == 2, stderr[-3000:]
    first = rows(course_dir), stderr, left_running(scratch)
    with running_cluster(root) as address:  # the rerun on a cluster started as README says, one worker
        rerun = cli(course_dir, "autograde", str(released[1]), "--scheduler", address)
    second = rows(course_dir), rerun.stderr
    third = cli(course_dir, "autograde", str(released[1]), "--scheduler", "local:2")
    return {"first": first, "second": second, "third": (rows(course_dir), third.stderr)}


@contextmanager
def running_cluster(root: Path) -> Iterator[str]:
    """A ``dask scheduler`` and one ``dask worker`` started with README's commands; yields the scheduler's address."""
    address = f"tcp://127.0.0.1:{free_port()}"
    dask = str(Path(sys.executable).with_name("dask"))
    env = dict(course.nbgrader_env(), PYTHONPATH=str(ROOT), DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1",
               DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION="1.0")
    log = (root / "cluster.log").open("w")
    started = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                 "--no-dashboard"], cwd=ROOT, env=env, stdout=log, stderr=log)]
    try:
        started.append(subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                         "--memory-limit", "0", "--no-dashboard"], cwd=ROOT, env=env,
                                        stdout=log, stderr=log))
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=120)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(60)
        log.close()


def left_running(folder: Path) -> list[str]:
    """Processes whose command line names ``folder`` (the run's TMPDIR: fork servers and the kernels they fork), or
    that run in it (any kernel: its working copy is in a worker's scratch course there)."""
    found = []
    for process in psutil.process_iter(["cmdline", "cwd"]):
        line = " ".join(process.info["cmdline"] or [])
        if str(folder) in line or Path(process.info["cwd"] or "/").is_relative_to(folder):
            found.append(line[:200])
    return found


def test_a_killed_submission_reads_error_and_the_others_are_graded_as_with_jobs(
        on_cluster: dict, on_jobs: tuple[Grades, Cells]) -> None:
    (grades, _), stderr, _ = on_cluster["first"]
    assert "[grading] on local:2: 2 worker(s)" in stderr, stderr[-2000:]
    assert len(grades) == 4  # every submission has its row
    assert grades[VICTIM]["status"] == "error", grades[VICTIM]
    assert "its grading worker died twice while grading it; run autograde again" in grades[VICTIM]["flags"]
    assert f"{VICTIM[0]} {VICTIM[1]}: error: its grading worker died twice" in stderr
    others = {key: row for key, row in grades.items() if key != VICTIM}
    assert others == {key: row for key, row in on_jobs[0].items() if key != VICTIM}


def test_no_worker_or_kernel_is_left_running(on_cluster: dict) -> None:
    assert on_cluster["first"][2] == []


def test_a_rerun_grades_only_the_rest_and_the_class_scores_as_with_jobs(
        on_cluster: dict, on_jobs: tuple[Grades, Cells]) -> None:
    (grades, cells), stderr = on_cluster["second"]
    assert "3 submission(s) graded before with the same content: kept" in stderr, stderr[-2000:]
    assert re.search(r"\[grading\] on tcp://127\.0\.0\.1:\d+: 1 worker\(s\)", stderr), stderr[-2000:]
    assert {r["status"] for r in grades.values()} == {"ok"}
    assert grades == on_jobs[0]  # scores, statuses and flags (the hand-graded cell's among them)
    assert cells == on_jobs[1]  # every cell


def test_a_rerun_of_a_graded_class_grades_nothing(on_cluster: dict, on_jobs: tuple[Grades, Cells]) -> None:
    (grades, cells), stderr = on_cluster["third"]
    assert "4 submission(s) graded before with the same content: kept" in stderr
    assert "[grading] on local:2" not in stderr  # nothing left to grade: no cluster started
    assert (grades, cells) == on_jobs


def kill_the_worker_grading(command: int, student: str, assignment: str) -> int:
    """SIGKILL the Dask worker (forked by the command's multiprocessing fork server) whose kernel runs in this
    submission's folder: 1 if one was."""
    for worker in psutil.Process(command).children(recursive=True):
        try:
            kernels = [p for p in worker.children() if any("launch.py" in a for a in p.cmdline())]
            if any(Path(k.cwd()).parts[-2:] == (student, assignment) for k in kernels):
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(30)
                return 1
        except psutil.NoSuchProcess:
            continue
    return 0


# What a worker returns is checked before it is used (no kernel needed).

TASK = Task("s000", "01_parameter_access", "", {})


def result(**changed: object) -> bytes:
    """A well-formed result of TASK as JSON bytes, with some fields changed."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    fields = {"student": "s000", "assignment": "01_parameter_access", "ended": None, "flags": ["f"],
              "notebook": nbformat.writes(nb), "log": ""}
    return Result(**{**fields, **changed}).to_json()


def test_a_well_formed_result_is_taken() -> None:
    parsed = Result.parse(result(ended=Outcome(Status.KERNEL_DIED)), TASK)
    assert parsed.ended == Outcome(Status.KERNEL_DIED) and parsed.flags == ["f"]


@pytest.mark.parametrize("data", [
    result(student="s001"), result(flags=["x" * 5000]), result(flags="f"), result(notebook='{"cells": 3}'),
    result(log="x" * (2**21)), b"not json", b'{"student": "s000"}', b" " * (MAX_RESULT_BYTES + 1),
    result().replace(b'"ended": null', b'"ended": {"status": "great", "reason": ""}'),
], ids=["another student", "long flag", "flags not a list", "not a notebook", "long log", "not JSON", "fields missing",
        "too big", "unknown status"])
def test_a_malformed_result_is_refused(data: bytes) -> None:
    with pytest.raises(Refused):
        Result.parse(data, TASK)


def test_a_returned_notebook_with_other_cells_is_not_recorded() -> None:
    mine = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade": True}})])
    outputs = nbformat.from_dict(nbformat.reads(nbformat.writes(mine), as_version=4))
    outputs.cells[0].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    assert differences(mine, outputs) == ""
    for change in ({"source": "x = 2"}, {"metadata": {"nbgrader": {"grade": False}}}, {"cell_type": "markdown"}):
        theirs = nbformat.from_dict(nbformat.reads(nbformat.writes(mine), as_version=4))
        theirs.cells[0].update(change)
        assert differences(mine, theirs), change
