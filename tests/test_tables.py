"""grades.csv and questions.csv across runs: grading one download at a time keeps the earlier ones' rows."""
from __future__ import annotations

from grading.gradebook import CellScore
from grading.reports.tables import MANUAL, Row, earlier, fill_scores, read, write
from grading.status import Status


def test_a_later_run_keeps_the_rows_it_did_not_grade(tmp_path):
    first = [Row("amy", "01", Status.OK, ["notebook was named 'x.ipynb'; 2 files submitted"], 3, 12,
                 {"test_a": (1, 1)}),
             Row("bob", "01", Status.TIMEOUT, [], 0, 12, {"test_a": (0, 1)})]
    write(first, tmp_path)
    again = [Row("bob", "01", Status.OK, [], 12, 12, {"test_a": (1, 1)}), Row("amy", "02", Status.OK, [], 5, 13, {})]
    write(earlier(tmp_path, {(r.student, r.assignment) for r in again}) + again, tmp_path)
    grades = {(r["student"], r["assignment"]): r for r in read(tmp_path / "grades.csv")}
    assert set(grades) == {("amy", "01"), ("bob", "01"), ("amy", "02")}
    assert grades[("bob", "01")]["status"] == "ok" and grades[("bob", "01")]["score"] == "12"
    assert grades[("amy", "01")]["flags"] == "notebook was named 'x.ipynb'; 2 files submitted"
    questions = [(q["student"], q["assignment"], q["score"]) for q in read(tmp_path / "questions.csv")]
    assert sorted(questions) == [("amy", "01", "1"), ("bob", "01", "1")]


def test_a_submission_the_gradebook_failed_on_is_not_sent_to_manual_grading():
    """A gradebook that failed mid-run leaves a half-written entry whose every cell 'needs a grade': the row
    says it was not graded (status error), not that a person should grade every test by hand."""
    half_written = {"test_a": CellScore("test_a", 0.0, 1.0, True), "written": CellScore("written", 0.0, 2.0, True)}
    failed = Row("amy", "04", Status.ERROR, ["not graded, the gradebook failed"])
    graded = Row("bob", "04", Status.OK, [])
    fill_scores(failed, half_written, 3.0)
    fill_scores(graded, {"written": CellScore("written", 0.0, 2.0, True)}, 3.0)
    assert failed.flags == ["not graded, the gradebook failed"]
    assert graded.flags == [f"{MANUAL}written"]
