"""The instructor's command line, run as an instructor runs it: `python -m grading ...` on real nbgrader."""
from __future__ import annotations

import zipfile

import pytest

from grading import course
from grading.demo.classes import VANDAL
from grading.reports.tables import read
from grading.sandbox import confine
from harness import cli, released_course

SANDBOX = confine.probe()
needs_sandbox = pytest.mark.skipif(not SANDBOX.confined,
                                   reason=f"kernels cannot be sandboxed on this machine: {SANDBOX.how}")

HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "grading.hidden", "_hidden(")
# The demo's assignments here: the first, and the last, whose written answer needs hand grading.
DEMO_ASSIGNMENTS = [course.assignments()[0], course.assignments()[-1]]


class TestDemo:
    """One demo run (release, a synthetic class with every kind of bad input, autograde, feedback, report), in
    two of the four assignments (`demo --assignment`): a bad input is handled the same in every assignment, and
    every assignment's grading is the corpus's to test (tests/test_corpus.py)."""

    @pytest.fixture(scope="class")
    @classmethod
    def demo(cls, tmp_path_factory):
        course_dir = tmp_path_factory.mktemp("demo_course")
        # gus's infinite loop runs until the cell timeout, in each of his notebooks: 5 s each, not the demo's 10
        chosen = [arg for a in DEMO_ASSIGNMENTS for arg in ("--assignment", a)]
        done = cli(course_dir, "demo", "--jobs", "2", "--timeout", "5", *chosen)
        grades = {(r["student"], r["assignment"]): r for r in read(course_dir / "reports" / "grades.csv")}
        return course_dir, done, grades

    def test_every_student_and_assignment_has_a_row(self, demo):
        _, _, grades = demo
        students = {s for s, _ in grades}
        assert students - {"olga"} == {"ada", "ben", "cleo", "dan", "eve", "finn", "gus", "hana", "ivo", "jo", "kai",
                                       "lea", "max", "nia", "pia", "quinn", "rosa", "sam"}
        assert ("olga" in students) == SANDBOX.confined
        assert {a for _, a in grades} == set(DEMO_ASSIGNMENTS)

    @pytest.mark.parametrize("student, status", [
        ("ada", "ok"), ("ben", "ok"), ("cleo", "ok"), ("dan", "invalid_notebook"), ("eve", "invalid_notebook"),
        ("finn", "ok"), ("gus", "timeout"), ("hana", "kernel_died"), ("jo", "memory_limit"), ("kai", "ok"),
        ("max", "ok"), ("nia", "missing_notebook"), ("pia", "ok"), ("quinn", "ok"), ("rosa", "ok"),
        ("sam", "cells_modified")])
    def test_each_bad_input_gets_its_status(self, demo, student, status):
        _, _, grades = demo
        found = {a: grades[(student, a)]["status"] for a in DEMO_ASSIGNMENTS}
        assert set(found.values()) == {status}, found

    @pytest.mark.parametrize("student", ["ada", "ben", "finn", "kai", "max", "pia", "quinn", "rosa"])
    def test_good_work_keeps_every_automatic_point(self, demo, student):
        course_dir, _, grades = demo
        questions = read(course_dir / "reports" / "questions.csv")
        lost = [(q["assignment"], q["grade_id"]) for q in questions
                if q["student"] == student and q["grade_id"].startswith("test_") and q["score"] != q["max_score"]]
        assert not lost
        expected = ("manual", "named", "output cut", "repaired: ")  # hand grading, finn, kai, damaged notebooks
        assert all(not grades[(student, a)]["flags"] or any(e in grades[(student, a)]["flags"] for e in expected)
                   for a in DEMO_ASSIGNMENTS)

    @pytest.mark.parametrize("student", ["max", "pia", "quinn", "rosa"])
    def test_a_damaged_notebook_is_repaired_and_flagged(self, demo, student):
        _, _, grades = demo
        assert all("repaired: " in grades[(student, a)]["flags"] for a in DEMO_ASSIGNMENTS)

    def test_partly_wrong_work_loses_points_but_not_all(self, demo):
        _, _, grades = demo
        for a in DEMO_ASSIGNMENTS:
            row = grades[("cleo", a)]
            assert 0 < float(row["score"]) < float(row["max_score"]), row

    def test_flags_explain_what_happened(self, demo):
        _, _, grades = demo
        assert "named 'exercises (1).ipynb'" in grades[("finn", "01_parameter_access")]["flags"]
        assert "patches torch.equal" in grades[("lea", "01_parameter_access")]["flags"]
        assert "repaired: deleted cells put back: test_" in grades[("max", "01_parameter_access")]["flags"]
        assert "repaired: pasted copies run as ordinary code: " in grades[("pia", "01_parameter_access")]["flags"]
        quinn = grades[("quinn", "01_parameter_access")]["flags"]
        assert "repaired: pasted copies run as ordinary code: test_" in quinn
        assert "repaired: nbgrader metadata an editor removed" in grades[("rosa", "01_parameter_access")]["flags"]
        assert "no cell defines " in grades[("sam", "01_parameter_access")]["flags"]
        assert not [r for r in grades.values() if "nbgrader update" in r["flags"]]
        assert "empty file" in grades[("eve", "01_parameter_access")]["flags"]
        assert "output cut" in grades[("kai", "01_parameter_access")]["flags"]

    @needs_sandbox
    def test_a_vandal_reaches_nothing_of_anyone_else(self, demo):
        course_dir, _, grades = demo
        assert "gradebook" in VANDAL and "ipynb" in VANDAL
        marker = b"overwritten by a classmate"
        damaged = [p for p in course_dir.rglob("*") if p.is_file() and p.read_bytes() == marker]
        assert not damaged
        for assignment in DEMO_ASSIGNMENTS:
            row = grades[("olga", assignment)]
            assert row["status"] == "ok" and row["score"] == grades[("ada", assignment)]["score"], row
            assert "opens files" in row["flags"]

    def test_feedback_hides_the_hidden_tests(self, demo):
        course_dir, _, _ = demo
        pages = list((course_dir / "feedback").rglob("*.html"))
        assert len(pages) >= 8 * len(DEMO_ASSIGNMENTS)
        for page in pages:
            text = page.read_text()
            assert not [m for m in HIDDEN_MARKERS if m in text], page

    def test_report_and_export(self, demo):
        course_dir, done, _ = demo
        reports = course_dir / "reports"
        for name in ("index.html", "score_distribution.png", "pass_rates.png"):
            assert (reports / name).stat().st_size > 1000, name
        assert "hana" in (reports / "index.html").read_text()
        assert "Look at:" in done.stdout
        cli(course_dir, "export")
        exported = read(reports / "lms_grades.csv")
        assert {(r["student_id"], r["assignment"]) for r in exported} >= {("ada", a) for a in DEMO_ASSIGNMENTS}

    def test_the_course_directory_works_with_stock_nbgrader(self, demo):
        course_dir, _, _ = demo
        done = course.nbgrader(course_dir, "db", "student", "list")
        assert "ada" in done.stdout + done.stderr


def test_an_lms_zip_is_graded_like_a_folder(tmp_path):
    course_dir = tmp_path / "course"
    released_course(course_dir)  # a copy of one release (tests/harness.py)
    assignment = course.assignments()[0]
    released = course_dir / "release" / assignment / f"{course.NOTEBOOK}.ipynb"
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(released, f"submissions/amy/{assignment}/{course.NOTEBOOK}.ipynb")
        z.writestr(f"submissions/bob/{assignment}/{course.NOTEBOOK}.ipynb", "{broken")
    cli(course_dir, "autograde", str(archive), "--jobs", "2")
    grades = {(r["student"], r["assignment"]): r for r in read(course_dir / "reports" / "grades.csv")}
    assert grades[("amy", assignment)]["status"] == "ok"
    assert float(grades[("amy", assignment)]["score"]) == 0  # the unanswered release scores nothing
    assert grades[("bob", assignment)]["status"] == "invalid_notebook"


def test_bench_reports_identical_scores(tmp_path):
    """The smallest bench: one notebook, graded by stock nbgrader and by ours (the bench itself is a command)."""
    done = cli(tmp_path / "unused", "bench", "--students", "1", "--assignment", course.assignments()[0])
    assert "1 notebooks, " in done.stdout and "scores identical: True" in done.stdout, done.stdout
    assert "ratio:" in done.stdout
