"""The student version works without this repository, reveals nothing hidden, and validates as a student
validates it (`nbgrader validate` in the released folder)."""
from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from corpus import HIDDEN_ONLY
from grading import course
from grading.demo.submissions import fill, reference_answers
from harness import CourseUnderTest

HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "grading.hidden", "_hidden(")


def student_env() -> dict[str, str]:
    """A student's plain environment: the pinned packages on PATH, no PYTHONPATH into this repository."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def validate(folder: Path, answers: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`nbgrader validate exercises.ipynb` run in a copy of the released folder filled with these answers."""
    nbformat.write(fill(folder / f"{course.NOTEBOOK}.ipynb", answers), folder / f"{course.NOTEBOOK}.ipynb")
    return subprocess.run([sys.executable, "-m", "nbgrader", "validate", f"{course.NOTEBOOK}.ipynb"], cwd=folder,
                          env=student_env(), capture_output=True, text=True, timeout=600)


class ReleaseTests:
    """Checks on the release of one assignment; one subclass per assignment."""

    assignment: str

    @pytest.fixture(scope="class")
    @classmethod
    def release_dir(cls, tmp_path_factory) -> Path:
        """The assignment's release folder, copied where a student would unpack it."""
        harness = CourseUnderTest(tmp_path_factory.mktemp(f"release_{cls.assignment}"))
        student_dir = tmp_path_factory.mktemp(f"student_{cls.assignment}")
        shutil.copytree(harness.release(cls.assignment).parent, student_dir, dirs_exist_ok=True)
        return student_dir

    def test_release_holds_no_hidden_test(self, release_dir):
        for path in release_dir.rglob("*"):
            if path.is_file() and path.suffix in (".ipynb", ".py"):
                text = path.read_text()
                leaked = [m for m in HIDDEN_MARKERS if m in text]
                assert not leaked, f"{path.relative_to(release_dir)} contains {leaked}"
        assert not list(release_dir.rglob("hidden")), "a hidden folder was released"

    def test_visible_tests_pass_without_the_repository(self, release_dir):
        """A student's plain environment: the released folder, the pinned packages, no `grading`. No test cell
        leaves a value as its result: nbgrader would read a number as partial credit."""
        nb = fill(release_dir / f"{course.NOTEBOOK}.ipynb", reference_answers(self.assignment))
        probe = nbformat.v4.new_code_cell("import importlib.util; print(importlib.util.find_spec('grading'))")
        nb.cells.append(probe)
        NotebookClient(nb, timeout=60, kernel_name="python3").execute(env=student_env(), cwd=str(release_dir))
        assert probe.outputs[0]["text"].strip() == "None", "the kernel could import the grading package"
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        stderr = [o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
        results = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.cell_type == "code"
                   and c.metadata.get("nbgrader", {}).get("grade")
                   and any(o.get("output_type") == "execute_result" for o in c.outputs)]
        assert not errors, errors
        assert not stderr, stderr
        assert not results, f"test cells that leave a value: {results}"

    def test_validate_succeeds_without_a_warning_on_correct_answers(self, release_dir, tmp_path):
        folder = shutil.copytree(release_dir, tmp_path / "student")
        done = validate(folder, reference_answers(self.assignment))
        assert "Success! Your notebook passes all the tests." in done.stdout, done.stdout + done.stderr
        warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]  # nbgrader's or the kernel's
        assert not warnings, done.stderr

    def test_validate_names_the_failing_cell_and_keeps_the_hint_whole(self, release_dir, tmp_path):
        """The first wrong answer of the corpus that a visible test catches: nbgrader validate shows that test
        cell and the hint, whose lines it does not cut."""
        wrong = importlib.import_module(f"corpus.a{self.assignment[:2]}").WRONG
        function, (_, source, hint) = next((f, v) for f, vs in wrong.items() for v in vs if v[2] is not HIDDEN_ONLY)
        folder = shutil.copytree(release_dir, tmp_path / "student")
        done = validate(folder, {**reference_answers(self.assignment), function: source})
        assert "VALIDATION FAILED ON" in done.stdout, done.stdout
        assert f"check_{function}({function}" in done.stdout, done.stdout
        assert hint in " ".join(done.stdout.split()) and "guard.py" not in done.stdout, done.stdout
        cut = [line for line in done.stdout.splitlines() if len(line) > 87 and line.endswith("...")]  # cut by validate
        assert not cut, cut


for _assignment in course.assignments():
    _name = f"TestRelease{_assignment[:2]}"
    globals()[_name] = type(_name, (ReleaseTests,), {"assignment": _assignment})
