"""HideHiddenTests, the step of nbgrader's generate_feedback that keeps the hidden tests out of a student's feedback."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter

from grading.pipeline.feedback_filter import HideHiddenTests

FILES = Path(__file__).parent / "files"


def hidden() -> nbformat.NotebookNode:
    """A graded notebook whose test cells hold hidden tests and whose error shows a traceback into the checks."""
    return nbformat.read(FILES / "feedback_hidden.ipynb", as_version=4)


def test_the_hidden_region_goes_and_the_visible_test_stays():
    nb, _ = HideHiddenTests().preprocess(hidden(), {})
    assert nb.cells[3].source == "check_count_parameters(count_parameters)\n# (hidden tests)\nprint('done')"


def test_every_region_goes_indented_or_not():
    nb, _ = HideHiddenTests().preprocess(hidden(), {})
    assert nb.cells[4].source == "# (hidden tests)\n# (hidden tests)\n"


def test_an_error_keeps_its_message_but_not_its_traceback_into_the_checks():
    nb, _ = HideHiddenTests().preprocess(hidden(), {})
    error = nb.cells[3].outputs[0]
    assert error.traceback == ["AssertionError: count_parameters: a shared parameter counted twice"]
    assert (error.ename, error.evalue) == ("AssertionError", "count_parameters: a shared parameter counted twice")


def test_prose_and_answers_are_left_as_they_were():
    before = hidden()
    nb, _ = HideHiddenTests().preprocess(hidden(), {})
    assert nb.cells[0] == before.cells[0]  # markdown that names the markers
    assert nb.cells[2] == before.cells[2]  # the student's answer


def test_registered_as_generate_feedback_registers_it_nothing_hidden_is_written(tmp_path):
    exporter = NotebookExporter()
    exporter.register_preprocessor(HideHiddenTests)  # by class, as a config's preprocessor list does: enabled
    text, _ = exporter.from_filename(str(FILES / "feedback_hidden.ipynb"))
    code = "".join(c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code")
    assert "BEGIN HIDDEN TESTS" not in code and "grading.hidden" not in text and "grading/hidden" not in text
    assert "AssertionError: count_parameters: a shared parameter counted twice" in text
