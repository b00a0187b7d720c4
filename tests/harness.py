"""Grading synthetic submissions through real nbgrader, for the test suite."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

from grading import course
from grading.demo.submissions import fill
from grading.gradebook import CellScore, cell_scores


class CourseUnderTest:
    """A throw-away nbgrader course directory with every assignment's student version generated."""

    def __init__(self, root: Path) -> None:
        self.dir = course.prepare(root)
        self.db_url = course.default_db_url(self.dir)
        self._released: dict[str, Path] = {}

    def release(self, assignment: str) -> Path:
        """The student notebook of an assignment; nbgrader generates every assignment's at the first call."""
        if not self._released:
            folders = course.generate(self.dir, course.assignments())
            self._released = {a: f / f"{course.NOTEBOOK}.ipynb" for a, f in zip(course.assignments(), folders)}
        return self._released[assignment]

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
