"""Repairing damaged submissions against the release (grading/repair.py).

Unit tests run on a small release notebook built here with nbgrader's own test helpers (as
nbgrader's tests/preprocessors build theirs) and are checked with nbgrader's own sanitizing
preprocessors, no kernel. The last test grades the damaged notebooks of the demo through
the command line and real nbgrader.
"""
from __future__ import annotations

import copy
import json
from typing import cast

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.nbgraderformat.common import SchemaTooOldError
from nbgrader.preprocessors import CheckCellMetadata, DeduplicateIds
from nbgrader.tests import create_grade_and_solution_cell, create_grade_cell, create_locked_cell, create_solution_cell
from nbgrader.utils import compute_checksum

from grading import course
from grading.demo.classes import damages, first_function, pasted, position, save, stripped
from grading.demo.submissions import fill, reference_answers
from grading.intake.repair import Repair, repair, repair_file, tracked_id
from grading.pipeline.execute import CHECKS
from grading.reports.tables import read
from harness import cli, released_course

ANSWERS: dict[str | None, str] = {  # looked up by a cell's tracked id (None: not tracked)
    "double": "def double(x):\n    return 2 * x", "halve": "def halve(x):\n    return x / 2",
    "written": "A shared layer has one set of parameters; its gradient is the sum over its uses."}


def graded_test(source: str, grade_id: str, points: int) -> NotebookNode:
    """An autograder test cell as nbgrader releases it: graded and read-only."""
    cell = create_grade_cell(source, "code", grade_id, points)
    cell.metadata.nbgrader["locked"] = True
    return cell


def release() -> NotebookNode:
    """A small release: read-only imports, two answers with their tests, a written answer between instructions."""
    cells = [
        new_markdown_cell("# Exercise"),
        create_locked_cell("import math", "code", "imports"),
        new_markdown_cell("## 1. Double"),
        create_solution_cell("def double(x):\n    raise NotImplementedError()", "code", "double"),
        graded_test("assert double(2) == 4", "test_double", 1),
        graded_test("assert double(-1) == -2  # hidden tests follow when graded", "test_double_hidden", 2),
        new_markdown_cell("## 2. Halve"),
        create_solution_cell("def halve(x):\n    raise NotImplementedError()", "code", "halve"),
        graded_test("assert halve(4) == 2", "test_halve", 1),
        new_markdown_cell("## 3. In your own words"),
        create_grade_and_solution_cell("YOUR ANSWER HERE", "markdown", "written", 2),
        new_markdown_cell("## Before you submit"),
    ]
    for cell in cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return new_notebook(cells=cells)


RELEASE = release()


def answered() -> NotebookNode:
    """A correct submission: the release with every answer written."""
    nb = copy.deepcopy(RELEASE)
    for cell in nb.cells:
        cell.source = ANSWERS.get(tracked_id(cell), cell.source)
    return nb


def at(nb: NotebookNode, name: str) -> int:
    """Index of the cell whose grade_id is ``name``."""
    return position(nb, lambda gid: gid == name)


def layout(nb: NotebookNode) -> list[tuple[str | None, str]]:
    """(grade_id, source) of every cell, in order."""
    return [(tracked_id(cell), cell.source) for cell in nb.cells]


def sanitize(nb: NotebookNode) -> NotebookNode:
    """What nbgrader autograde does to a submission's metadata before running it (a copy)."""
    nb = copy.deepcopy(nb)
    for step in (DeduplicateIds(), CheckCellMetadata()):
        nb, _ = step.preprocess(nb, {})
    return nb


def repaired(nb: NotebookNode) -> Repair:
    """Repair against RELEASE, checking that nbgrader then accepts the notebook and changes no grade_id."""
    result = repair(nb, RELEASE)
    assert layout(sanitize(result.notebook)) == layout(result.notebook)
    return result


def test_an_intact_submission_is_graded_as_submitted():
    nb = answered()
    result = repaired(nb)
    assert result.flags() == [] and result.notebook == nb


@pytest.mark.parametrize("name", ["double", "test_double"])
def test_a_pasted_copy_runs_as_ordinary_code(name):
    nb = pasted(answered(), lambda gid: gid == name)
    with pytest.raises(SchemaTooOldError):  # what nbgrader makes of the copy as submitted
        sanitize(nb)
    result = repaired(nb)
    number = at(nb, name) + 2
    assert layout(result.notebook) == [(None, c.source) if i == number - 1 else (tracked_id(c), c.source)
                                       for i, c in enumerate(nb.cells)]
    assert result.flags() == [f"repaired: pasted copies run as ordinary code: {name} (cell {number})"]
    assert not result.unmatched and nb.cells[number - 1].metadata.nbgrader  # the input is left as it was


def test_the_original_of_a_test_pasted_above_its_answer_keeps_the_grade():
    nb = answered()
    twin = copy.deepcopy(nb.cells[at(nb, "test_double")])
    twin.id = "scratch"
    nb.cells.insert(at(nb, "double"), twin)
    result = repaired(nb)
    ids = [tracked_id(c) for c in result.notebook.cells]
    assert ids.index("double") < ids.index("test_double") and ids.count("test_double") == 1
    assert tracked_id(result.notebook.cells[at(nb, "double") - 1]) is None


@pytest.mark.parametrize("deleted, after", [(["test_double"], "double"), (["test_double_hidden"], "test_double"),
                                            (["test_double", "test_double_hidden"], "double"), (["imports"], None)])
def test_deleted_read_only_cells_are_put_back_after_their_answer(deleted, after):
    nb = answered()
    nb.cells = kept = [c for c in nb.cells if tracked_id(c) not in deleted]
    result = repaired(nb)
    start = at(result.notebook, after) + 1 if after else 0  # a read-only cell before every answer goes on top
    assert result.notebook.cells[start:start + len(deleted)] == \
        [RELEASE.cells[at(RELEASE, d)] for d in deleted]  # as released: nbgrader puts back the hidden tests
    assert [c for c in result.notebook.cells if tracked_id(c) not in deleted] == kept
    assert result.flags() == [f"repaired: deleted cells put back: {', '.join(deleted)}"]


def test_metadata_an_editor_removed_is_put_back_on_the_right_cells():
    nb = stripped(answered())
    assert not any(c.metadata for c in nb.cells) and not set(c.id for c in nb.cells) & set(c.id for c in RELEASE.cells)
    result = repaired(nb)
    assert [(c.metadata.get("nbgrader"), c.source) for c in result.notebook.cells] == \
        [(c.metadata.get("nbgrader"), c.source) for c in answered().cells]
    assert result.flags() == ["repaired: nbgrader metadata an editor removed put back on 7 cells"]


def test_metadata_is_put_back_on_the_last_of_several_identical_tests():
    nb = answered()
    twin = copy.deepcopy(nb.cells[at(nb, "test_double")])
    nb.cells.insert(at(nb, "double"), twin)
    result = repaired(stripped(nb))
    ids = [tracked_id(c) for c in result.notebook.cells]
    assert ids.index("double") < ids.index("test_double"), "the copy above the answer would fail"


def test_an_edited_test_is_left_to_nbgrader_and_flagged():
    nb = answered()
    nb.cells[at(nb, "test_halve")].source = "pass"
    result = repaired(nb)
    assert result.notebook == nb and not result.repairs and not result.unmatched
    assert result.flags() == ["edited read-only cells (nbgrader restored them): test_halve"]


def test_edited_metadata_is_put_back_as_released():
    nb = answered()
    nb.cells[at(nb, "test_halve")].metadata.nbgrader["points"] = 100
    result = repaired(nb)
    assert result.notebook.cells[at(nb, "test_halve")].metadata == RELEASE.cells[at(nb, "test_halve")].metadata
    assert result.flags() == ["repaired: edited nbgrader metadata put back as released: test_halve"]


def test_a_grade_id_the_release_lacks_runs_as_ordinary_code():
    nb = answered()
    nb.cells.append(create_locked_cell("print('bonus')", "code", "bonus"))
    result = repaired(nb)
    assert "nbgrader" not in result.notebook.cells[-1].metadata
    assert result.flags() == [f"repaired: cells with a grade_id the release lacks run as ordinary code: "
                              f"bonus (cell {len(nb.cells)})"]


def test_a_deleted_answer_cannot_be_repaired():
    nb = answered()
    del nb.cells[at(nb, "halve")]
    result = repaired(nb)
    assert result.unmatched == ["no cell defines halve(): its answer cell was deleted or the function renamed"]
    assert result.notebook == nb  # graded as it is: test_halve fails


def test_a_written_answer_that_cannot_be_told_apart_is_reported():
    nb = answered()
    nb.cells.insert(at(nb, "written"), new_markdown_cell("my notes"))
    result = repaired(stripped(nb))
    assert [m.split(":")[0] for m in result.unmatched] == ["answer cell written not found"]
    assert "written" not in [tracked_id(c) for c in result.notebook.cells]


@pytest.mark.parametrize("source", ["1+" * 100000 + "1", "-" * 100000 + "1"])  # RecursionError, MemoryError
def test_code_the_parser_refuses_is_no_answer(source):
    nb = answered()
    nb.cells.insert(at(nb, "halve"), new_code_cell(source))
    expected = [tracked_id(c) for c in nb.cells]
    assert [tracked_id(c) for c in repaired(stripped(nb)).notebook.cells] == expected


def test_a_notebook_without_cell_ids_gets_them_with_its_repair(tmp_path):
    data = json.loads(nbformat.writes(answered()))
    data["nbformat_minor"] = 4
    data["cells"] = [{k: v for k, v in c.items() if k != "id"} for c in data["cells"]
                     if c["metadata"].get("nbgrader", {}).get("grade_id") != "test_halve"]
    path = tmp_path / "exercises.ipynb"
    path.write_text(json.dumps(data))
    old = nbformat.read(path, as_version=4)
    result = repaired(old)
    nbformat.validate(result.notebook)
    assert layout(result.notebook) == layout(answered())


def test_repair_file_rewrites_only_a_repaired_notebook(tmp_path):
    released, intact, damaged = tmp_path / "release.ipynb", tmp_path / "intact.ipynb", tmp_path / "damaged.ipynb"
    nbformat.write(RELEASE, released)
    nbformat.write(answered(), intact)
    nbformat.write(pasted(answered(), lambda gid: gid == "halve"), damaged)
    before = intact.read_bytes()
    assert repair_file(intact, released).flags() == [] and intact.read_bytes() == before
    result = repair_file(damaged, released)
    assert result.repairs and nbformat.read(damaged, as_version=4) == result.notebook


def test_damaged_notebooks_keep_full_marks_through_the_cli(tmp_path):
    course_dir, submissions, assignment = tmp_path / "course", tmp_path / "class", "04_parameter_tying"
    released_course(course_dir)  # a copy of one release (tests/harness.py)
    released = course_dir / "release" / assignment / f"{course.NOTEBOOK}.ipynb"
    ref, name = reference_answers(assignment), first_function(assignment)
    for student, damage in {"ada": lambda nb: nb, **damages(assignment)}.items():
        save(damage(fill(released, ref)), submissions / student / assignment / f"{course.NOTEBOOK}.ipynb")
    sent = {p: p.read_bytes() for p in submissions.rglob("*.ipynb")}

    cli(course_dir, "autograde", str(submissions), "--jobs", "2")
    grades = {r["student"]: r for r in read(course_dir / "reports" / "grades.csv")}
    scores = {(q["student"], q["grade_id"]): (q["score"], q["max_score"])
              for q in read(course_dir / "reports" / "questions.csv")}
    tests = [gid for student, gid in scores if student == "ada" and gid.startswith("test_")]
    assert tests and all(scores[("ada", t)][0] == scores[("ada", t)][1] for t in tests), scores
    for student in ("pia", "quinn", "max", "rosa"):
        row = grades[student]
        assert row["status"] == "ok" and "repaired: " in row["flags"], row
        assert row["score"] == grades["ada"]["score"] and [scores[(student, t)] for t in tests] == \
            [scores[("ada", t)] for t in tests], row
        assert "needs manual grading: written_sharing" in row["flags"]  # the written answer is found
    put_back = [cast(str, tracked_id(c)) for c in nbformat.read(released, as_version=4).cells
                if (tracked_id(c) or "").startswith(f"test_{name}")]
    assert len(put_back) > 1 and f"deleted cells put back: {', '.join(put_back)}" in grades["max"]["flags"]
    # max's full marks took the hidden tests: nbgrader put them back into his cells, and the grader ran them
    graded = nbformat.read(course_dir / "autograded" / "max" / assignment / f"{course.NOTEBOOK}.ipynb", as_version=4)
    ran = [check for cell in graded.cells if tracked_id(cell) == f"test_{name}_hidden"
           for out in cell.outputs for check in out.get("metadata", {}).get(CHECKS, [])]
    assert ran == [f"check_{name}_hidden"], ran
    assert grades["sam"]["status"] == "cells_modified"
    assert f"no cell defines {name}()" in grades["sam"]["flags"]
    assert not [r for r in grades.values() if "nbgrader update" in r["flags"] or "old version" in r["flags"]]
    assert {p: p.read_bytes() for p in submissions.rglob("*.ipynb")} == sent  # what students sent is untouched
