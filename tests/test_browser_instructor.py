"""What an instructor does in JupyterLab's Formgrader, in a real browser, on a course made by ``python -m grading``:
the course opens without warnings, the written answer of exercise 04 shows as needing a grade where it does, and
a score and comment given by hand reach ``python -m grading export`` and the next ``grades.csv``.

One JupyterLab server for the module, started in the course directory as the README says.
Screenshots: artifacts/screenshots/instructor_*.png.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import BrowserContext, FrameLocator, Locator, Page, expect

from browser_harness import JupyterLab, chromium, chromium_missing, jupyter_lab, menu, open_lab, screenshot
from grading import course
from grading.demo.submissions import fill, reference_answers
from grading.pipeline.commands import db_url_of
from grading.reports.tables import read
from harness import cli, released_course

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))

ASSIGNMENT = "04_parameter_tying"
WRITTEN = "written_sharing"  # the manually graded markdown answer, 2 points
COMMENT = "Right about fewer parameters; also say that the shared gradient is the sum of both uses."


def submit(course_dir: Path, into: Path, student: str, written: bool) -> None:
    """A student's notebook with every code answer right; the written answer too, or left as released."""
    answers = reference_answers(ASSIGNMENT)
    if not written:
        del answers[WRITTEN]
    path = into / student / ASSIGNMENT / f"{course.NOTEBOOK}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(fill(course_dir / "release" / ASSIGNMENT / f"{course.NOTEBOOK}.ipynb", answers), path)


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course released and autograded by the command line: ada answered in words, bob did not."""
    course_dir = tmp_path_factory.mktemp("instructor") / "course"
    released_course(course_dir)  # a copy of one release (tests/harness.py)
    submissions = tmp_path_factory.mktemp("class")
    submit(course_dir, submissions, "ada", written=True)
    submit(course_dir, submissions, "bob", written=False)
    cli(course_dir, "autograde", str(submissions), "--jobs", "2")
    return course_dir


@pytest.fixture(scope="module")
def lab(course_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """JupyterLab started in the course directory."""
    with jupyter_lab(course_dir, tmp_path_factory.mktemp("jupyter")) as server:
        yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One headless Chromium for the module."""
    with chromium(tmp_path_factory.mktemp("chromium")) as context:
        yield context


def formgrader(page: Page, lab: JupyterLab) -> FrameLocator:
    """Open Formgrader from JupyterLab's Nbgrader menu; return its frame, showing the assignments."""
    open_lab(page, lab)
    menu(page, "Nbgrader", "nbgrader:open-formgrader")
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).to_have_text("Formgrader")
    frame = page.frame_locator("#jp-main-dock-panel iframe")
    expect(frame.locator("#main-table tr")).to_have_count(len(course.assignments()))
    return frame


def submission_row(frame: FrameLocator, student: str) -> Locator:
    """The row of a student's submission in Formgrader's list of submitted notebooks."""
    return frame.locator("#main-table tr").filter(has=frame.locator("a.name-shown", has_text=student))


def test_formgrader_opens_without_warnings_on_the_course(lab: JupyterLab, browser: BrowserContext) -> None:
    page = browser.new_page()
    frame = formgrader(page, lab)
    for assignment in course.assignments():
        row = frame.locator("#main-table tr").filter(has_text=assignment)
        expect(row.locator("td").nth(0)).to_have_text(assignment)
    expect(frame.locator("#main-table tr").filter(has_text=ASSIGNMENT).locator("td").nth(8)).to_have_text("2")
    expect(frame.locator(".alert-warning")).to_have_count(0)  # e.g. #warning-exchange: no exchange directory
    screenshot(page, "instructor_formgrader_assignments")
    page.close()


def test_a_written_answer_graded_by_hand_reaches_export_and_grades(lab: JupyterLab, browser: BrowserContext,
                                                                  course_dir: Path,
                                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    page = browser.new_page()
    frame = formgrader(page, lab)
    frame.locator("a", has_text="Manual Grading").first.click()
    frame.locator("#main-table a", has_text=ASSIGNMENT).click()
    frame.locator("#main-table a", has_text=course.NOTEBOOK).click()
    ada, bob = submission_row(frame, "ada"), submission_row(frame, "bob")
    expect(ada.locator("td.needs-manual-grade .glyphicon-ok")).to_have_count(1)
    expect(bob.locator("td.needs-manual-grade .glyphicon-ok")).to_have_count(0)  # nothing written: nothing to grade
    expect(ada.locator("td.score")).to_have_text("14 / 16")
    frame.locator("button", has_text="Show All Names").click()  # once the list has loaded
    expect(ada.locator("a.name-shown")).to_be_visible()
    screenshot(page, "instructor_manual_grading_needs_grade")

    ada.locator("a.name-shown").click()
    score = frame.locator(f"input.score#{WRITTEN}")
    expect(score).to_have_class("score tabbable needs_manual_grade")
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as saved:
        score.fill("1.5")
        score.press("Tab")
    assert saved.value.ok and saved.value.json()["manual_score"] == 1.5, saved.value.text()
    comment = frame.locator(f"textarea#{WRITTEN}-comment")
    with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT") as saved:
        comment.fill(COMMENT)
        comment.press("Tab")
    assert saved.value.ok, saved.value.text()
    score.scroll_into_view_if_needed()
    screenshot(page, "instructor_written_answer_graded")
    frame.locator(".breadcrumb a", has_text=course.NOTEBOOK).click()
    expect(ada.locator("td.score")).to_have_text("15.5 / 16")
    expect(ada.locator("td.needs-manual-grade .glyphicon-ok")).to_have_count(0)
    page.close()

    with Gradebook(db_url_of(course_dir), course.COURSE_ID) as gb:
        assert gb.find_comment(WRITTEN, course.NOTEBOOK, ASSIGNMENT, "ada").manual_comment == COMMENT
    cli(course_dir, "export")
    exported = {(r["student_id"], r["assignment"]): r for r in read(course_dir / "reports" / "lms_grades.csv")}
    assert float(exported[("ada", ASSIGNMENT)]["score"]) == 15.5
    assert float(exported[("bob", ASSIGNMENT)]["score"]) == 14

    late = tmp_path_factory.mktemp("late")
    submit(course_dir, late, "cy", written=True)
    cli(course_dir, "autograde", str(late), "--jobs", "2")  # grades cy only; ada's row is read again
    grades = {(r["student"], r["assignment"]): r for r in read(course_dir / "reports" / "grades.csv")}
    assert (grades[("ada", ASSIGNMENT)]["score"], grades[("ada", ASSIGNMENT)]["flags"]) == ("15.5", "")
    assert grades[("bob", ASSIGNMENT)]["score"] == "14"
    assert grades[("cy", ASSIGNMENT)]["flags"] == f"needs manual grading: {WRITTEN}"
