"""One class, two languages: Chinese and English submissions of one assignment graded together through the CLI.

``release --lang en zh`` makes nbgrader's English student version and the Chinese one; a class of four
(right and wrong answers in each language, the wrong ones the corpus's first wrong answer of every
function) is graded by ``autograde`` and given ``feedback``. Identical code scores identically; the
checks answer a Chinese submission in Chinese (visible and hidden tests, read from the submission, not
the machine), and its feedback keeps its Chinese text. A Chinese student's own kernel answers in
Chinese too, from the released ``course_checks/``. With ``--chinese-corpus`` the whole corpus of every
assignment is graded in both languages (minutes: for a release, not the default run).
"""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from corpus.a01 import WRONG
from grading import course
from grading.demo.submissions import fill, reference_answers
from harness import cli
from test_corpus import students
from test_release import student_env

ASSIGNMENT = "01_parameter_access"
RIGHT = reference_answers(ASSIGNMENT)
WRONG_ANSWERS = {**RIGHT, **{function: answers[0][1] for function, answers in WRONG.items()}}
STUDENTS = {"en_right": ("release", RIGHT), "en_wrong": ("release", WRONG_ANSWERS),
            "zh_right": ("release-zh", RIGHT), "zh_wrong": ("release-zh", WRONG_ANSWERS)}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """A course released in both languages, its mixed class autograded and given feedback."""
    course_dir = tmp_path_factory.mktemp("bilingual") / "course"
    cli(course_dir, "release", "--lang", "en", "zh")
    submissions = course_dir.parent / "class"
    for student, (release, answers) in STUDENTS.items():
        path = submissions / student / ASSIGNMENT / f"{course.NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(fill(course_dir / release / ASSIGNMENT / f"{course.NOTEBOOK}.ipynb", answers), path)
    cli(course_dir, "autograde", str(submissions), "--jobs", "2")
    cli(course_dir, "feedback")
    return course_dir


def scores(course_dir: Path) -> dict[str, dict[str, str]]:
    """student -> grade_id -> score, from questions.csv."""
    found: dict[str, dict[str, str]] = {}
    with open(course_dir / "reports" / "questions.csv", newline="") as f:
        for row in csv.DictReader(f):
            found.setdefault(row["student"], {})[row["grade_id"]] = row["score"]
    return found


def test_identical_code_scores_identically_in_both_languages(graded):
    by_student = scores(graded)
    assert by_student["zh_right"] == by_student["en_right"]
    assert by_student["zh_wrong"] == by_student["en_wrong"]
    assert by_student["en_wrong"] != by_student["en_right"]


def errors(course_dir: Path, student: str) -> dict[str, str]:
    """grade_id -> the error message of each failing test cell of an autograded notebook."""
    nb = nbformat.read(course.notebook(course_dir, "autograded", ASSIGNMENT, student), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: o["evalue"] for c in nb.cells for o in c.get("outputs", [])
            if o.get("output_type") == "error"}


def test_the_checks_answer_each_submission_in_its_language(graded):
    english, chinese = errors(graded, "en_wrong"), errors(graded, "zh_wrong")
    assert set(chinese) == set(english) and {"test_count_parameters", "test_count_parameters_hidden"} <= set(chinese)
    for grade_id, message in chinese.items():
        assert CHINESE.search(message) and "expected:" not in message, (grade_id, message)
        assert not CHINESE.search(english[grade_id]) and "expected:" in english[grade_id], english[grade_id]
    assert "提示：" in chinese["test_count_parameters"] and "期望：" in chinese["test_count_parameters_hidden"]


def test_feedback_is_in_the_submission_language(graded):
    feedback = {student: (graded / "feedback" / student / ASSIGNMENT / f"{course.NOTEBOOK}.html").read_text()
                for student in ("en_wrong", "zh_wrong")}
    chinese = feedback["zh_wrong"]
    assert "练习 01 · 参数访问" in chinese and "Exercise 01 · Accessing parameters" not in chinese
    assert "提示：" in chinese
    assert not CHINESE.search(feedback["en_wrong"])


def test_a_chinese_student_s_own_kernel_answers_in_chinese(graded, tmp_path):
    """The released folder alone (no repository on the path): a wrong answer's visible test fails in Chinese."""
    folder = shutil.copytree(graded / "release-zh" / ASSIGNMENT, tmp_path / "student")
    nb = fill(folder / f"{course.NOTEBOOK}.ipynb", {**RIGHT, "count_parameters": WRONG_ANSWERS["count_parameters"]})
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute(env=student_env(),
                                                                                   cwd=str(folder))
    shown = {c.metadata["nbgrader"]["grade_id"]: c.outputs for c in nb.cells if c.metadata.get("nbgrader")}
    failure = next(o for o in shown["test_count_parameters"] if o["output_type"] == "error")
    assert "count_parameters(net)（作用于" in failure["evalue"] and "提示：" in failure["evalue"], failure["evalue"]
    passed = [o["data"]["text/plain"] for o in shown["test_param_shapes"] if o["output_type"] == "display_data"]
    assert passed == ["✔ param_shapes：可见测试已通过"]


@pytest.mark.skipif("not config.getoption('--chinese-corpus')", reason="the whole corpus twice: --chinese-corpus")
def test_the_whole_corpus_scores_the_same_in_chinese_release_notebooks(tmp_path):
    course_dir = tmp_path / "course"
    cli(course_dir, "release", "--lang", "en", "zh")
    roster = []
    for assignment in course.assignments():
        for student, (_, answers) in students(assignment).items():
            for release in ("release", "release-zh"):
                path = tmp_path / "class" / f"{release}_{student}" / assignment / f"{course.NOTEBOOK}.ipynb"
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(fill(course_dir / release / assignment / f"{course.NOTEBOOK}.ipynb", answers), path)
            roster.append((assignment, student))
    cli(course_dir, "autograde", str(tmp_path / "class"), "--jobs", "2")
    by_student: dict[tuple[str, str], dict[str, str]] = {}
    with open(course_dir / "reports" / "questions.csv", newline="") as f:
        for row in csv.DictReader(f):
            by_student.setdefault((row["student"], row["assignment"]), {})[row["grade_id"]] = row["score"]
    differ = [(assignment, student) for assignment, student in roster
              if by_student[(f"release_{student}", assignment)] != by_student[(f"release-zh_{student}", assignment)]]
    assert len(by_student) == 2 * len(roster) and not differ, differ
