"""What a student does in JupyterLab, in a real browser: an exercise from its released folder, up to nbgrader's
Validate button, and the lecture notebooks with their stored plots.

One JupyterLab server for the module, started in the student's home folder, which holds what a student has:
the released folder of one assignment (``exercises.ipynb``, ``course_checks/``) and the lecture notebooks.
Screenshots: artifacts/screenshots/student_*.png and lecture_*.png.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from browser_harness import Console, JupyterLab, chromium, chromium_missing, jupyter_lab, menu, open_lab, screenshot
from grading import course
from grading.course import grade_id
from grading.demo.submissions import reference_answers
from harness import CourseUnderTest

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))

ASSIGNMENT = "01_parameter_access"
NOTEBOOK = f"{ASSIGNMENT}/{course.NOTEBOOK}.ipynb"
LECTURES = sorted((course.ROOT / "notebooks").glob("*.ipynb"))
KERNEL_S = 180_000  # a kernel that imports torch on a busy 2-core machine


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """JupyterLab in a student's home folder holding one released assignment and the lectures."""
    released = CourseUnderTest(tmp_path_factory.mktemp("course")).release(ASSIGNMENT).parent
    home = tmp_path_factory.mktemp("home")
    with jupyter_lab(home, tmp_path_factory.mktemp("jupyter")) as server:
        server.upload(released, ASSIGNMENT)
        server.api("PUT", "api/contents/lectures", json={"type": "directory"}).raise_for_status()
        for lecture in LECTURES + [course.ROOT / "notebooks" / "figures.py"]:
            server.upload(lecture, f"lectures/{lecture.name}")
        yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One headless Chromium for the module."""
    with chromium(tmp_path_factory.mktemp("chromium")) as context:
        yield context


def editor(page: Page, function: str) -> Locator:
    """The code editor of the solution cell that defines ``function``."""
    return page.locator(".jp-CodeCell .cm-content").filter(has_text=f"def {function}(")


def output_of(page: Page, check: str) -> Locator:
    """The output area of the visible test cell that calls ``check``."""
    return page.locator(".jp-CodeCell").filter(has=page.locator(".cm-content", has_text=f"{check}(")).locator(
        ".jp-OutputArea")


def validate(page: Page, dialog: str) -> str:
    """Click nbgrader's Validate button, wait for its ``dialog`` (success or error) and return its text."""
    page.locator("jp-button.validate-button").click()
    box = page.locator(f".nbgrader-{dialog}Dialog")
    box.wait_for(timeout=KERNEL_S)
    return box.inner_text()


def close_dialog(page: Page, dialog: str) -> None:
    """Close an nbgrader dialog with its button."""
    page.locator(f".nbgrader-{dialog}Dialog button.jp-Dialog-button").click()
    expect(page.locator(f".nbgrader-{dialog}Dialog")).to_have_count(0)


def test_a_student_fixes_a_failing_answer_and_validates(lab: JupyterLab, browser: BrowserContext) -> None:
    answers = reference_answers(ASSIGNMENT)
    assert ".detach()" in answers["bias_values"]
    answers["bias_values"] = answers["bias_values"].replace(".detach()", "")  # returns the Parameter itself
    page = browser.new_page()
    open_lab(page, lab, NOTEBOOK)
    for function, source in answers.items():  # the student writes every answer in its cell
        editor(page, function).click()
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.insert_text(source)

    menu(page, "Run", "runmenu:run-all")
    failure = output_of(page, "check_bias_values")
    expect(failure).to_contain_text("CheckFailed: bias_values", timeout=KERNEL_S)
    expect(failure).to_contain_text("found:    an nn.Parameter")
    expect(failure).to_contain_text("hint:     return bias.detach()")
    expect(output_of(page, "check_param_shapes")).to_contain_text("✔ param_shapes: visible tests passed")
    failure.scroll_into_view_if_needed()
    screenshot(page, "student_visible_test_fails")

    text = validate(page, "Error")  # Validate saves the notebook first, then runs it in a fresh kernel
    assert "check_bias_values(bias_values)" in text and "hint:     return bias.detach()" in text, text
    screenshot(page, "student_validate_fails")
    close_dialog(page, "Error")

    line = editor(page, "bias_values").get_by_text("return net[index].bias")
    line.click()
    page.keyboard.press("End")
    page.keyboard.type(".detach()")  # typed key by key: the editor closes the bracket itself
    menu(page, "Edit", "editmenu:clear-all")
    menu(page, "Run", "runmenu:restart-and-run-all")
    page.locator(".jp-Dialog .jp-mod-accept").click()  # "Restart Kernel?"
    expect(output_of(page, "check_has_no_grads")).to_contain_text("✔ has_no_grads: visible tests passed",
                                                                 timeout=KERNEL_S)
    expect(output_of(page, "check_bias_values")).to_contain_text("✔ bias_values: visible tests passed")
    expect(page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)

    text = validate(page, "Success")
    assert "Success! Your notebook passes all the tests." in text, text
    screenshot(page, "student_validate_passes")
    close_dialog(page, "Success")

    saved = {grade_id(c): "".join(c["source"]) for c in lab.notebook(NOTEBOOK)["cells"] if grade_id(c)}
    assert saved["bias_values"] == reference_answers(ASSIGNMENT)["bias_values"]
    assert all(saved[f] == s for f, s in answers.items() if f != "bias_values")
    page.close()


@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_a_lecture_opens_with_its_plots_and_no_console_errors(lab: JupyterLab, browser: BrowserContext,
                                                             lecture: Path) -> None:
    stored = lab.notebook(f"lectures/{lecture.name}")
    plots = sum("image/png" in o.get("data", {}) for c in stored["cells"] for o in c.get("outputs", []))
    assert plots >= 1
    page = browser.new_page()
    console = Console(page)
    # a workspace of its own, so Lab does not reopen what another test left open
    page.goto(lab.url(f"lab/workspaces/{lecture.stem}/tree/lectures/{lecture.name}", token=True))
    images = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedImage img")
    expect(images).to_have_count(plots)
    for k in range(plots):
        image = images.nth(k)
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 100, f"plot {k} of {lecture.name} did not decode"
    images.first.scroll_into_view_if_needed()
    expect(page.locator(".jp-StatusBar-TextItem").filter(has_text="| Idle")).to_have_count(1)
    screenshot(page, f"lecture_{lecture.stem}")
    page.close()
    assert not console.errors, console.errors
