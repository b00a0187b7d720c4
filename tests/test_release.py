"""The student version works without this repository, reveals nothing hidden, and validates as a student
validates it (`nbgrader validate` in the released folder)."""
from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from corpus import HIDDEN_ONLY
from grading import course
from grading.demo.submissions import fill, reference_answers
from harness import CourseUnderTest, validate_each

HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "grading.hidden", "_hidden(")
ASSIGNMENTS = course.assignments()


def student_env() -> dict[str, str]:
    """A student's plain environment: the pinned packages on PATH, no PYTHONPATH into this repository."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def first_caught_wrong_answer(assignment: str) -> tuple[str, str, str]:
    """(function, source, hint) of the first wrong answer of the corpus that a visible test catches."""
    wrong = importlib.import_module(f"corpus.a{assignment[:2]}").WRONG
    return next((f, source, hint) for f, vs in wrong.items() for _, source, hint in vs if hint is not HIDDEN_ONLY)


@pytest.fixture(scope="module")
def release_dirs(tmp_path_factory) -> dict[str, Path]:
    """Each assignment's release folder, copied where a student would unpack it."""
    harness = CourseUnderTest(tmp_path_factory.mktemp("release"))
    return {a: shutil.copytree(harness.release(a).parent, tmp_path_factory.mktemp(f"student_{a}"),
                               dirs_exist_ok=True) for a in ASSIGNMENTS}


# The release that `nbgrader validate` also runs with right answers: the last, whose written answer stays for hand
# grading. The others' right answers run in the same environment in test_visible_tests_pass_without_the_repository,
# which asserts more than validate's verdict reads (no error in any cell, nothing on stderr, no test cell's value).
RIGHT_VALIDATED = ASSIGNMENTS[-1]


@pytest.fixture(scope="module")
def validated(release_dirs, tmp_path_factory) -> dict[str, tuple[str, str]]:
    """`nbgrader validate` as a student runs it (the released folder's config, a plain environment) on a copy of
    every release filled with the first wrong answer a visible test catches ("<assignment> wrong"), and of
    RIGHT_VALIDATED's filled with the reference answers ("<assignment> right"); one nbgrader run, each notebook
    validated in its own folder."""
    notebooks = {}
    for assignment, folder in release_dirs.items():
        function, source, _ = first_caught_wrong_answer(assignment)
        for kind, answers in [("right", reference_answers(assignment)),
                              ("wrong", {**reference_answers(assignment), function: source})]:
            if kind == "right" and assignment != RIGHT_VALIDATED:
                continue
            copy = shutil.copytree(folder, tmp_path_factory.mktemp(f"{kind}_{assignment}"), dirs_exist_ok=True)
            path = copy / f"{course.NOTEBOOK}.ipynb"
            nbformat.write(fill(path, answers), path)
            notebooks[f"{assignment} {kind}"] = path
    return validate_each(notebooks, cwd=next(iter(notebooks.values())).parent, env=student_env())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
class TestRelease:
    """Checks on the release of each assignment."""

    def test_release_holds_no_hidden_test(self, release_dirs, assignment):
        release_dir = release_dirs[assignment]
        for path in release_dir.rglob("*"):
            if path.is_file() and path.suffix in (".ipynb", ".py"):
                text = path.read_text()
                leaked = [m for m in HIDDEN_MARKERS if m in text]
                assert not leaked, f"{path.relative_to(release_dir)} contains {leaked}"
        assert not list(release_dir.rglob("hidden")), "a hidden folder was released"

    def test_visible_tests_pass_without_the_repository(self, release_dirs, assignment):
        """A student's plain environment: the released folder, the pinned packages, no `grading`. No test cell
        leaves a value as its result: nbgrader would read a number as partial credit."""
        release_dir = release_dirs[assignment]
        nb = fill(release_dir / f"{course.NOTEBOOK}.ipynb", reference_answers(assignment))
        probe = nbformat.v4.new_code_cell("import importlib.util; print(importlib.util.find_spec('grading'))")
        nb.cells.append(probe)
        NotebookClient(nb, timeout=30, kernel_name="python3").execute(  # 30 s: validate's cell limit, nbgrader's
            env=student_env(), cwd=str(release_dir))
        assert probe.outputs[0]["text"].strip() == "None", "the kernel could import the grading package"
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        stderr = [o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
        results = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.cell_type == "code"
                   and c.metadata.get("nbgrader", {}).get("grade")
                   and any(o.get("output_type") == "execute_result" for o in c.outputs)]
        assert not errors, errors
        assert not stderr, stderr
        assert not results, f"test cells that leave a value: {results}"

    def test_validate_names_the_failing_cell_and_keeps_the_hint_whole(self, validated, assignment):
        """The first wrong answer of the corpus that a visible test catches: nbgrader validate shows that test
        cell and the hint, whose lines it does not cut."""
        function, _, hint = first_caught_wrong_answer(assignment)
        shown, _ = validated[f"{assignment} wrong"]
        assert shown.startswith("VALIDATION FAILED ON"), shown
        assert f"check_{function}({function}" in shown, shown
        assert hint in " ".join(shown.split()) and "guard.py" not in shown, shown
        cut = [line for line in shown.splitlines() if len(line) > 87 and line.endswith("...")]  # cut by validate
        assert not cut, cut


def test_validate_succeeds_without_a_warning_on_correct_answers(validated):
    """nbgrader's verdict on right answers, read from its own output (RIGHT_VALIDATED's release)."""
    shown, stderr = validated[f"{RIGHT_VALIDATED} right"]
    assert shown.startswith("Success! Your notebook passes all the tests."), shown + stderr
    warnings = [line for line in stderr.splitlines() if "WARNING" in line]  # nbgrader's or the kernel's
    assert not warnings, stderr
