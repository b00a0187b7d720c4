"""The student version works without this repository and reveals nothing hidden."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grading import course
from grading.submissions import fill, reference_answers
from harness import CourseUnderTest

HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "grading.hidden", "_hidden(")


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
        """A student's plain environment: the released folder, the pinned packages, no `grading`."""
        nb = fill(release_dir / f"{course.NOTEBOOK}.ipynb", reference_answers(self.assignment))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        probe = nbformat.v4.new_code_cell("import importlib.util; print(importlib.util.find_spec('grading'))")
        nb.cells.append(probe)
        NotebookClient(nb, timeout=60, kernel_name="python3").execute(env=env, cwd=str(release_dir))
        assert probe.outputs[0]["text"].strip() == "None", "the kernel could import the grading package"
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        stderr = [o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
        assert not errors, errors
        assert not stderr, stderr


for _assignment in course.assignments():
    _name = f"TestRelease{_assignment[:2]}"
    globals()[_name] = type(_name, (ReleaseTests,), {"assignment": _assignment})
