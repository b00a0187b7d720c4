"""Floods of output, graded as a class is (`python -m grading autograde`): each cell keeps at most
1,000,000 characters, what decides a score (errors, stderr) is always kept,
and a single output over 256 MiB is refused unread with its own status.
"""
from __future__ import annotations

import json
from typing import Any

import nbformat
import pytest

from grading import course
from grading.demo.submissions import fill, reference_answers
from grading.gradebook import cell_scores
from grading.pipeline.execute import CUT, ERROR_CHARS, BoundedExecute, size, trim_error
from grading.reports.tables import read
from harness import cli, released_course

A01 = "01_parameter_access"
KEPT = 1_000_000
CHATTY_SHAPES = '''def param_shapes(net):
    """Right, after printing 1.5 MB at every call (while the checks call it)."""
    print("chat " * 300_000)
    return {name: p.shape for name, p in net.named_parameters()}'''
CHATTER = "print('chat ' * 300_000)\n"  # 1.5 MB at the top of a solution cell
STUDENTS = {
    "quiet": {},
    "flood": {"param_shapes": "for i in range(3000):\n    print('spam ' * 200, flush=True)\n"
                              + reference_answers(A01)["param_shapes"]},
    "chatty": {"param_shapes": CHATTER + reference_answers(A01)["param_shapes"],
               "count_parameters": CHATTER + reference_answers(A01)["count_parameters"]},
    "chatty_in_checks": {"param_shapes": CHATTY_SHAPES},
    "huge_error": {"bias_values": '''def bias_values(net, index):
    raise ValueError("y" * 5_000_000)'''},
    "giant_message": {"count_parameters": "print('x' * 300_000_000)\n" + reference_answers(A01)["count_parameters"]},
}


def outputs_size(cell: nbformat.NotebookNode) -> int:
    return len(json.dumps(cell.get("outputs", [])))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class above, released, submitted and autograded through the command line."""
    course_dir = tmp_path_factory.mktemp("flood_course")
    released_course(course_dir)  # a copy of one release (tests/harness.py)
    submissions = tmp_path_factory.mktemp("flood_class")
    released = course_dir / "release" / A01 / f"{course.NOTEBOOK}.ipynb"
    for student, answers in STUDENTS.items():
        target = submissions / student / A01 / f"{course.NOTEBOOK}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(fill(released, {**reference_answers(A01), **answers}), target)
    cli(course_dir, "autograde", str(submissions), "--jobs", "2")
    rows = {r["student"]: r for r in read(course_dir / "reports" / "grades.csv")}
    cells = {(q["student"], q["grade_id"]): (float(q["score"]), float(q["max_score"]))
             for q in read(course_dir / "reports" / "questions.csv")}
    return course_dir, rows, cells


def autograded(course_dir, student: str) -> nbformat.NotebookNode:
    return nbformat.read(course_dir / "autograded" / student / A01 / f"{course.NOTEBOOK}.ipynb", as_version=4)


def lost(cells, student: str) -> list[str]:
    return [g for (s, g), (score, top) in cells.items() if s == student and g.startswith("test_") and score < top]


def test_quiet_work_is_untouched(graded):
    course_dir, rows, cells = graded
    assert rows["quiet"]["status"] == "ok" and not rows["quiet"]["flags"] and not lost(cells, "quiet")
    outputs = [o for c in autograded(course_dir, "quiet").cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if CUT in o.get("metadata", {})]


@pytest.mark.parametrize("student", ["flood", "chatty"])
def test_a_flood_is_cut_flagged_and_keeps_every_point(graded, student):
    course_dir, rows, cells = graded
    assert rows[student]["status"] == "ok" and not lost(cells, student)
    assert "output cut" in rows[student]["flags"]
    nb = autograded(course_dir, student)
    assert max(outputs_size(c) for c in nb.cells) < KEPT + 10_000
    notes = [o for c in nb.cells for o in c.get("outputs", []) if CUT in o.get("metadata", {})]
    assert notes and "output cut here" in notes[0].data["text/plain"]


def test_each_cell_has_its_own_room(graded):
    """The chatty student's two solution cells each show (nearly) a full cell's worth of chatter."""
    course_dir, _, _ = graded
    shown = {c.metadata["nbgrader"]["grade_id"]: sum(len(o.get("text", "")) for o in c.outputs)
             for c in autograded(course_dir, "chatty").cells
             if c.metadata.get("nbgrader", {}).get("grade_id") in ("param_shapes", "count_parameters")}
    assert len(shown) == 2 and all(KEPT - 100 <= n <= KEPT for n in shown.values()), shown


def test_what_a_function_prints_while_the_grader_calls_it_is_not_kept(graded):
    """Test cells run in the grader: a test cell shows its check's line, not the student's chatter."""
    course_dir, rows, cells = graded
    assert rows["chatty_in_checks"]["status"] == "ok" and not rows["chatty_in_checks"]["flags"]
    assert not lost(cells, "chatty_in_checks")
    tests = [c for c in autograded(course_dir, "chatty_in_checks").cells
             if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_param_shapes")]
    assert len(tests) == 2 and all(outputs_size(c) < 1_000 for c in tests)


def message(kind: str, content: dict, metadata: dict | None = None) -> dict:
    """An IOPub message as jupyter_client hands it to nbclient."""
    if metadata is not None:
        content = {**content, "metadata": metadata}
    return {"msg_type": kind, "header": {"msg_type": kind}, "parent_header": {"msg_id": "run"}, "content": content}


def bounded_step(**limits: int) -> BoundedExecute:
    """The Execute step as nbgrader makes it, ready to be handed messages for cell 0 without a kernel."""
    step = BoundedExecute(**limits)
    step.nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("check_param_shapes(param_shapes)")])
    step.reset_execution_trackers()
    step.clear_before_next_output = False
    step.start_cell(0)
    return step


def test_past_the_cut_what_decides_a_score_is_still_kept():
    """nbgrader scores a cell writing to stderr or showing an error 0, so a cut must never drop stderr or
    an error: only the chatter around them."""
    step = bounded_step(max_cell_chars=1000)
    cell = step.nb.cells[0]
    for msg in [message("stream", {"name": "stdout", "text": "chat " * 400}),
                message("display_data", {"data": {"text/plain": "big"}}, {"x": "y" * 5000}),
                message("stream", {"name": "stderr", "text": "oops " * 10_000}),
                message("error", {"ename": "AssertionError", "evalue": "z" * 50_000, "traceback": []}),
                message("stream", {"name": "stdout", "text": "more chat"})]:
        step.process_message(msg, cell, 0)
    kinds = [(o.output_type, o.get("name"), CUT in o.get("metadata", {})) for o in cell.outputs]
    assert kinds == [("stream", "stdout", False), ("display_data", None, True), ("stream", "stderr", False),
                     ("error", None, False)]
    assert len(cell.outputs[0].text) == 1000
    assert len(cell.outputs[2].text) <= ERROR_CHARS + 5 and len(cell.outputs[3].evalue) <= ERROR_CHARS + 5


@pytest.mark.parametrize("flood", ["padded_metadata", "display_fan_out", "comm_state", "many_cells"])
def test_every_route_to_a_big_notebook_counts(flood):
    """Each way a kernel can make the stored notebook (or the grader's memory) grow is charged."""
    step = bounded_step(max_cell_chars=10_000, max_notebook_chars=30_000)
    cell = step.nb.cells[0]
    if flood == "padded_metadata":  # empty containers cost little to send and something to store
        msgs = [message("display_data", {"data": {"text/plain": ""}}, {"p": [[]] * 20_000})]
    elif flood == "display_fan_out":  # one update is copied into every output showing its display id
        shown = {"transient": {"display_id": "d"}}
        msgs = [message("display_data", {"data": {"text/plain": ""}, **shown}, {}) for _ in range(100)]
        msgs.append(message("update_display_data", {"data": {"text/plain": "u" * 2000}, **shown}, {}))
    elif flood == "comm_state":
        msgs = [message("comm_msg", {"comm_id": f"c{i}", "data": {"state": {"v": "s" * 1000}}}) for i in range(100)]
    else:
        msgs = []
        for index in range(10):
            step.start_cell(index)
            step.nb.cells.append(nbformat.v4.new_code_cell(""))
            step.process_message(message("stream", {"name": "stdout", "text": "c" * 9000}), step.nb.cells[-1], index)
    for msg in msgs:
        step.process_message(msg, cell, 0)
    stored = len(json.dumps([c.outputs for c in step.nb.cells])) + len(json.dumps(step.widget_state))
    assert stored < 40_000
    assert any(CUT in o.get("metadata", {}) for c in step.nb.cells for o in c.outputs)


def test_a_huge_error_is_trimmed_and_still_fails_its_tests(graded):
    course_dir, rows, cells = graded
    assert rows["huge_error"]["status"] == "ok"
    assert set(lost(cells, "huge_error")) == {"test_bias_values", "test_bias_values_hidden"}
    nb = autograded(course_dir, "huge_error")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and all(len(o.evalue) <= ERROR_CHARS + 5 for o in errors)
    assert max(outputs_size(c) for c in nb.cells) < 100_000


def test_a_giant_output_is_refused_unread_and_only_that_notebook_suffers(graded):
    _, rows, cells = graded
    assert rows["giant_message"]["status"] == "output_limit"
    assert "256 MiB" in rows["giant_message"]["flags"]
    assert float(rows["giant_message"]["score"]) == 0
    assert rows["quiet"]["score"] == rows["quiet"]["max_score"]


def test_stock_nbgrader_keeps_the_same_bounds(graded):
    """The course's nbgrader_config.py sets the bounded Execute step, so `nbgrader autograde` has it too."""
    course_dir, _, cells = graded
    course.nbgrader(course_dir, "autograde", A01, "--student", "chatty", "--force")
    stock = cell_scores(course.default_db_url(course_dir), A01, "chatty")
    assert {g: (s.score, s.max_score) for g, s in stock.items() if g.startswith("test_")} == \
        {g: v for (s, g), v in cells.items() if s == "chatty" and g.startswith("test_")}
    nb = autograded(course_dir, "chatty")
    assert max(outputs_size(c) for c in nb.cells) < KEPT + 10_000


def test_trim_error_keeps_both_ends():
    error: dict[str, Any] = {"ename": "ValueError", "evalue": "a" * 50_000 + "END",
             "traceback": [f"line {i} " + "t" * 500 for i in range(1000)]}
    trim_error(error)
    assert error["evalue"].startswith("aaa") and error["evalue"].endswith("END")
    assert len(error["evalue"]) <= ERROR_CHARS + 5
    assert error["traceback"][0].startswith("line 0 ") and error["traceback"][-1].startswith("line 999 ")
    assert size(error["traceback"]) < 3 * ERROR_CHARS
