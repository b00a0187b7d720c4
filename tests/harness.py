"""Grading synthetic submissions through real nbgrader, for the test suite."""
from __future__ import annotations

import atexit
import fcntl
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from grading import course
from grading.demo.submissions import fill
from grading.gradebook import CellScore, cell_scores
from grading.pipeline import commands

SHARED_RELEASE = "GRADING_TESTS_RELEASE"  # a folder all processes of a test run share (tests/conftest.py makes it)


def released_course(course_dir: Path) -> Path:
    """A course directory as `python -m grading release` leaves it: a copy of the one release of this test run, its
    config rewritten for ``course_dir`` (nbgrader's release is the same each time, and takes seconds). The first
    process that needs it makes it, in the folder every process of the run shares (or, outside pytest, one of this
    process's own). The release command itself is tested for real (tests/test_cli.py and the CLI runs that
    release)."""
    folder = Path(os.environ.get(SHARED_RELEASE) or _own_folder())
    template = folder / "course"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait for the one releasing
        if not template.exists():
            shutil.rmtree(folder / "partial", ignore_errors=True)
            commands.release(folder / "partial")
            (folder / "partial").rename(template)  # whole or not at all, should a process die releasing
    return course.copy(template, course_dir)


@functools.cache
def _own_folder() -> str:
    """A folder for this process's release, removed at its exit."""
    folder = tempfile.mkdtemp(prefix="released-")
    atexit.register(shutil.rmtree, folder, True)
    return folder


class CourseUnderTest:
    """A throw-away nbgrader course directory with every assignment's student version generated."""

    def __init__(self, root: Path) -> None:
        self.dir = released_course(root)
        self.db_url = course.default_db_url(self.dir)

    def release(self, assignment: str) -> Path:
        """The student notebook of an assignment."""
        return course.notebook(self.dir, "release", assignment)

    def submit(self, assignment: str, student: str, answers: dict[str, str], folder: Path | None = None) -> Path:
        """Write a student's submission, the release notebook with these solution cells filled in: into nbgrader's
        submitted/ folder, or into ``folder`` laid out <student>/<assignment>/ as `python -m grading autograde`
        takes in a class."""
        nb = fill(self.release(assignment), answers)
        root = self.dir / "submitted" if folder is None else folder
        path = root / student / assignment / f"{course.NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    def autograde(self, assignment: str) -> None:
        """Stock `nbgrader autograde` of every submission in submitted/, in ordinary kernels."""
        course.nbgrader(self.dir, "autograde", assignment, "--force")

    def scores(self, assignment: str, student: str) -> dict[str, CellScore]:
        """grade_id -> score of one autograded submission."""
        return cell_scores(self.db_url, assignment, student)

    def outputs(self, assignment: str, student: str) -> str:
        """Every error message in the autograded notebook, to explain a failing corpus test."""
        path = self.dir / "autograded" / student / assignment / f"{course.NOTEBOOK}.ipynb"
        if not path.exists():
            return "(not autograded)"
        lines = []
        for cell in nbformat.read(path, as_version=4).cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    lines.append(f"{cell.metadata.get('nbgrader', {}).get('grade_id')}: "
                                 f"{out['ename']}: {out['evalue']}")
                elif out.get("name") == "stderr":
                    lines.append(f"{cell.metadata.get('nbgrader', {}).get('grade_id')}: stderr: {out['text'][:300]}")
        return "\n".join(lines)


def cli(course_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m grading --course-dir DIR ARGS` as an instructor does; fail with its output if it fails."""
    done = subprocess.run([sys.executable, "-m", "grading", "--course-dir", str(course_dir), *args],
                          capture_output=True, text=True, env=course.nbgrader_env(), timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


# The line each notebook's part of `nbgrader validate`'s output starts with (its validate_and_print): a run over
# several notebooks prints their parts one after another, in the order given.
VERDICT = re.compile(r"^(?:Success! |VALIDATION FAILED ON |NOTEBOOK PASSED ON |THE TYPES OF |THE CONTENTS OF )", re.M)


def validate_each(notebooks: dict[str, Path], *args: str, cwd: Path,
                  env: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """One `nbgrader validate ARGS NOTEBOOK...` run from ``cwd`` (whose nbgrader_config.py it reads; it validates
    each notebook in that notebook's folder): name -> (that notebook's part of the output, the run's stderr). One
    nbgrader process instead of one per notebook; each notebook still gets its own kernel."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", *args, *map(str, notebooks.values())],
                          cwd=cwd, env=env or course.nbgrader_env(), capture_output=True, text=True, timeout=1200)
    starts = [m.start() for m in VERDICT.finditer(done.stdout)]
    assert len(starts) == len(notebooks), done.stdout + done.stderr
    parts = [done.stdout[a:b] for a, b in zip(starts, [*starts[1:], len(done.stdout)])]
    return {name: (part, done.stderr) for name, part in zip(notebooks, parts)}
