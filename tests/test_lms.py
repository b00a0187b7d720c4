"""Flat Canvas and Moodle downloads: names read by nbgrader's plugin, the assignment inferred, graded end to end."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from grading import course
from grading.demo.submissions import fill, reference_answers
from grading.intake import lms
from grading.intake.collect import collect
from grading.reports.tables import read
from harness import cli, released_course

FIRST, SECOND = course.assignments()[:2]
SOLUTION = {a: course.SOLUTIONS / a / f"{course.NOTEBOOK}.ipynb" for a in course.assignments()}


def make(root: Path, files: dict[str, str]) -> Path:
    """A download folder holding the given relative paths and contents."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def notebook() -> str:
    """A readable submission of the first assignment (its solution notebook)."""
    return SOLUTION[FIRST].read_text()


@pytest.mark.parametrize("name, student, file_id, late", [
    ("amyadams_101_9001_exercises.ipynb", "amyadams", "exercises.ipynb", None),
    ("amyadams_LATE_101_9002_exercises.ipynb", "amyadams", "exercises.ipynb", "LATE_"),
    ("amyadams_101_9001_exercises-1.ipynb", "amyadams", "exercises-1.ipynb", None),
    ("amyadams_101_9001_exercises (2).ipynb", "amyadams", "exercises (2).ipynb", None),
    ("wrapper/amyadams_101_9001_my_work_2.ipynb", "amyadams", "my_work_2.ipynb", None),
])
def test_canvas_names(name, student, file_id, late):
    fields = lms.parse(name)
    assert fields is not None
    assert (fields["student"], fields["file_id"], fields["late"]) == (student, file_id, late)
    assert fields["user_id"] == "101"


@pytest.mark.parametrize("name, student", [
    ("Ann Lee_4711_assignsubmission_file_/exercises.ipynb", "Ann_Lee"),
    ("Ann Lee_4711_assignsubmission_file_exercises.ipynb", "Ann_Lee"),
    ("download/José Núñez_4712_assignsubmission_file_/exercises (1).ipynb", "José_Núñez"),
])
def test_moodle_names(name, student):
    fields = lms.parse(name)
    assert fields is not None
    assert fields["student"] == student and fields["user_id"] in ("4711", "4712")


@pytest.mark.parametrize("name", [
    "exercises.ipynb", "amyadams_exercises.ipynb", "amyadams_101_9001_exercises.py",
    "Ann Lee_4711_assignsubmission_onlinetext_/onlinetext.html", "..._101_9001_exercises.ipynb",
])
def test_unmatched_names(name):
    assert lms.parse(name) is None


@pytest.mark.parametrize("raw, safe", [
    ("Ann Lee", "Ann_Lee"), ("..hidden", "hidden"), ("a/../b", "a_.._b"), ("O'Neil, Sam", "O_Neil_Sam"),
    ("x*?[y]", "x_y"), ("...", None),
])
def test_unsafe_student_names_become_folder_names(raw, safe):
    assert lms.safe_student(raw) == safe


@pytest.mark.parametrize("file_id, expected", [
    ("exercises.ipynb", ("exercises.ipynb", 0)), ("exercises-1.ipynb", ("exercises.ipynb", 1)),
    ("exercises (12).ipynb", ("exercises.ipynb", 12)), ("mine.ipynb", ("mine.ipynb", 0)),
])
def test_resubmission_suffix(file_id, expected):
    assert lms.resubmission(file_id) == expected


def test_the_latest_submission_is_graded_and_the_rest_named(tmp_path, notebook, capsys):
    root = make(tmp_path, {
        "amy_101_9001_exercises.ipynb": notebook,
        "amy_LATE_101_9003_exercises-1.ipynb": notebook,
        "amy_101_9003_exercises.ipynb": notebook,
        "bob_LATE_102_9004_exercises.ipynb": notebook,
        "cat_103_9005_exercises-2.ipynb": notebook, "cat_103_9005_exercises-1.ipynb": notebook,
        "dan_104_9006_homework.ipynb": notebook,
        "notes.ipynb": notebook, "eve_105_9007_exercises.zip": "", "__MACOSX/._x": "", ".DS_Store": "",
    })
    found = {s.student: s for s in lms.submissions(root)}
    assert sorted(found) == ["amy", "bob", "cat", "dan"]
    assert found["amy"].path.name == "amy_LATE_101_9003_exercises-1.ipynb"
    assert found["amy"].flags == ["3 files submitted; graded 'amy_LATE_101_9003_exercises-1.ipynb', ignored "
                                  "'amy_101_9001_exercises.ipynb', 'amy_101_9003_exercises.ipynb'",
                                  "submitted late (Canvas LATE)"]
    assert found["bob"].flags == ["submitted late (Canvas LATE)"]
    assert found["cat"].path.name == "cat_103_9005_exercises-2.ipynb"
    assert found["dan"].flags == ["notebook was named 'homework.ipynb'"]
    warnings = capsys.readouterr().err.splitlines()
    assert warnings == ["warning: not graded: eve_105_9007_exercises.zip (not a notebook)",
                        "warning: not graded: notes.ipynb (named like no Canvas or Moodle submission)"]


def test_a_moodle_folder_prefers_the_notebook_named_as_released(tmp_path, notebook):
    folder = "Ann Lee_11_assignsubmission_file_"
    root = make(tmp_path, {f"{folder}/exercises.ipynb": notebook, f"{folder}/scratch.ipynb": notebook})
    [found] = lms.submissions(root)
    assert found.path.name == "exercises.ipynb"
    assert found.flags == [f"2 files submitted; graded '{folder}/exercises.ipynb', ignored '{folder}/scratch.ipynb'"]


def test_namesakes_keep_apart(tmp_path, notebook):
    root = make(tmp_path, {"Ann Lee_11_assignsubmission_file_/exercises.ipynb": notebook,
                           "Ann Lee_12_assignsubmission_file_/exercises.ipynb": notebook})
    assert [s.student for s in lms.submissions(root)] == ["Ann_Lee_11", "Ann_Lee_12"]


def test_the_assignment_is_the_release_with_most_grade_ids_in_common(tmp_path):
    partial = nbformat.read(SOLUTION[SECOND], as_version=4)
    partial.cells = partial.cells[: len(partial.cells) // 2]
    nbformat.write(partial, tmp_path / "partial.ipynb")
    assert lms.infer_assignment([SOLUTION[FIRST], tmp_path / "partial.ipynb", SOLUTION[FIRST]], SOLUTION) == FIRST
    assert lms.infer_assignment([tmp_path / "partial.ipynb"], SOLUTION) == SECOND


@pytest.mark.parametrize("keep, why", [(None, "no readable notebook"), (0, "no grade_id in common"),
                                       (1, "match equally well")])
def test_an_unknown_assignment_asks_for_the_option(tmp_path, keep, why):
    """No notebook; one without grade_ids; one with only the imports cell every assignment has."""
    nb = nbformat.read(SOLUTION[FIRST], as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id", "imports") == "imports"]
    assert sum("nbgrader" in c.metadata for c in nb.cells) == 1
    nb.cells = [c for c in nb.cells if keep or "nbgrader" not in c.metadata]
    nbformat.write(nb, tmp_path / "few.ipynb")
    notebooks = [] if keep is None else [tmp_path / "few.ipynb"]
    with pytest.raises(lms.AssignmentUnknown, match=why) as caught:
        lms.infer_assignment(notebooks, SOLUTION)
    assert "pass --assignment ID" in str(caught.value)


@pytest.fixture
def course_dir(tmp_path) -> Path:
    """A course directory whose release notebooks are stood in for by the solutions (same grade_ids)."""
    for assignment, solution in SOLUTION.items():
        (tmp_path / "course" / "release" / assignment).mkdir(parents=True)
        shutil.copy(solution, tmp_path / "course" / "release" / assignment)
    return tmp_path / "course"


def test_a_one_student_moodle_zip_is_not_mistaken_for_a_wrapper(tmp_path, course_dir, notebook):
    download = tmp_path / "moodle.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr("Ann Lee_4711_assignsubmission_file_/exercises (1).ipynb", notebook)
    rows = collect(download, course_dir, course.assignments())
    assert [(r.student, r.assignment, r.status, r.flags) for r in rows] == [("Ann_Lee", FIRST, "ok", [])]
    assert (course_dir / "submitted" / "Ann_Lee" / FIRST / f"{course.NOTEBOOK}.ipynb").read_text() == notebook


def test_the_option_overrides_inference_and_limits_the_student_folder_layout(tmp_path, course_dir, notebook):
    flat = make(tmp_path / "flat", {"amy_101_9001_exercises.ipynb": notebook})
    assert [r.assignment for r in collect(flat, course_dir, course.assignments(), SECOND)] == [SECOND]
    nested = make(tmp_path / "nested", {f"amy/{FIRST}/exercises.ipynb": notebook})
    assert [(r.assignment, r.status) for r in collect(nested, course_dir, course.assignments())] == [(FIRST, "ok")]
    assert [r.assignment for r in collect(nested, course_dir, course.assignments(), FIRST)] == [FIRST]


def test_a_folder_of_one_assignment_says_nothing_of_the_others(tmp_path, course_dir, notebook):
    upload = make(tmp_path / "up", {f"ann/{SECOND}/exercises.ipynb": notebook, "bob/notes.txt": "no notebook"})
    rows = collect(upload, course_dir, course.assignments())
    assert sorted((r.student, r.assignment, r.status) for r in rows) == [
        ("ann", SECOND, "ok"), ("bob", SECOND, "missing_notebook")]


def test_zip_slip_is_refused(tmp_path, course_dir, notebook):
    download = tmp_path / "evil.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr("../amy_101_9001_exercises.ipynb", notebook)
    with pytest.raises(ValueError, match="unsafe path"):
        collect(download, course_dir, course.assignments())
    assert not (tmp_path / "amy_101_9001_exercises.ipynb").exists()


def test_links_in_a_submission_are_never_followed(tmp_path, course_dir, notebook):
    """A notebook, or a student's folder, that is a symbolic link (``unzip`` makes them from a zip) would have the
    instructor's solutions or a classmate's work graded as the student's: refused and flagged, nothing copied."""
    upload = make(tmp_path / "up", {f"ann/{FIRST}/exercises.ipynb": notebook})
    (upload / "eve" / FIRST).mkdir(parents=True)
    (upload / "eve" / FIRST / "exercises.ipynb").symlink_to(SOLUTION[FIRST])
    (upload / "mallory").symlink_to(upload / "ann")
    flat = make(tmp_path / "flat", {"amy_101_9001_exercises.ipynb": notebook})
    (flat / "eve_102_9002_exercises.ipynb").symlink_to(SOLUTION[FIRST])
    rows = {r.student: r for r in collect(upload, course_dir, course.assignments())
            + collect(flat, course_dir, course.assignments())}
    assert {s: r.status for s, r in rows.items()} == {"ann": "ok", "amy": "ok", "eve": "invalid_notebook",
                                                     "mallory": "invalid_notebook"}
    assert all("symbolic link" in rows[s].flags[-1] and "not followed" in rows[s].flags[-1] for s in ("eve", "mallory"))
    assert sorted(p.name for p in (course_dir / "submitted").iterdir()) == ["amy", "ann"]


def test_a_canvas_zip_is_graded_through_the_cli(tmp_path):
    course_dir = tmp_path / "course"
    released_course(course_dir)  # a copy of one release (tests/harness.py)
    released = course_dir / "release" / SECOND / f"{course.NOTEBOOK}.ipynb"
    correct = nbformat.writes(fill(released, reference_answers(SECOND)))
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr("amyadams_101_9001_exercises.ipynb", correct)
        z.write(released, "bobbrown_102_9002_exercises.ipynb")  # on time, unanswered
        z.writestr("bobbrown_LATE_102_9003_exercises-1.ipynb", correct)  # late resubmission: graded
        z.writestr("carlcook_103_9004_exercises.ipynb", "{broken")
        z.writestr("readme.ipynb", correct)
    done = cli(course_dir, "autograde", str(download), "--jobs", "2")
    assert "warning: not graded: readme.ipynb" in done.stderr
    grades = {r["student"]: r for r in read(course_dir / "reports" / "grades.csv")}
    assert sorted(grades) == ["amyadams", "bobbrown", "carlcook"]
    assert {r["assignment"] for r in grades.values()} == {SECOND}
    assert [grades[s]["status"] for s in sorted(grades)] == ["ok", "ok", "invalid_notebook"]
    for student in ("amyadams", "bobbrown"):
        assert float(grades[student]["score"]) == float(grades[student]["max_score"]) > 0, grades[student]
    assert grades["amyadams"]["flags"] == ""
    assert grades["bobbrown"]["flags"] == ("2 files submitted; graded 'bobbrown_LATE_102_9003_exercises-1.ipynb', "
                                           "ignored 'bobbrown_102_9002_exercises.ipynb'; submitted late (Canvas LATE)")
    assert "not a valid notebook" in grades["carlcook"]["flags"]
