"""Positive evidence that each test ran: a passing test cell must show its check's signed receipt.

nbgrader gives a test cell its points when the cell shows no error, so a submission that
hijacks the IPython shell (skipping test cells, swallowing their errors) or replaces a check
would pass. Every check of the course shows a receipt when it ends without a failure, signed
with a key given to the grading kernel at start (``course_checks.guard``). This nbgrader
preprocessor runs right after execution: a test cell ``test_<x>`` without an error must show
a valid receipt of ``check_<x>``, or it gets an error output (and scores 0). It reads the key
from the environment, where the course's ``nbgrader_config.py`` puts a new one for every run.
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from .student.course_checks.receipt import ENV_KEY, RECEIPT, mac

NOT_RUN = "CheckDidNotRun"


def expected_check(grade_id: str) -> str:
    """The check a test cell runs: ``test_param_shapes_hidden`` -> ``check_param_shapes_hidden``."""
    return "check_" + grade_id.removeprefix("test_")


def receipts(cell: NotebookNode) -> list[dict]:
    """The receipts shown by a cell."""
    return [out["metadata"][RECEIPT] for out in cell.get("outputs", [])
            if out.get("output_type") == "display_data" and RECEIPT in out.get("metadata", {})]


class RequireReceipts(NbGraderPreprocessor):
    """Turn a passing autograder test cell without its check's valid receipt into a failing one."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return cell, resources
        check = expected_check(cell.metadata["nbgrader"]["grade_id"])
        key = os.environ.get(ENV_KEY, "")
        if not any(r.get("check") == check and key and r.get("mac") == mac(key, check) for r in receipts(cell)):
            message = (f"{check} did not report a result: this test cell did not run its check to the end "
                       "(the notebook replaced the check or changed how cells run)")
            cell.outputs.append(from_dict({"output_type": "error", "ename": NOT_RUN, "evalue": message,
                                           "traceback": [f"{NOT_RUN}: {message}"]}))
            self.log.warning("%s: %s", cell.metadata["nbgrader"]["grade_id"], message)
        return cell, resources


def flags(autograded: Path) -> list[str]:
    """What an autograded notebook's receipts tell the instructor: checks that did not run, functions put back."""
    if not autograded.exists():
        return []
    cells = nbformat.read(autograded, as_version=4).cells
    not_run = [cell.metadata["nbgrader"]["grade_id"] for cell in cells
               if any(out.get("ename") == NOT_RUN for out in cell.get("outputs", []))]
    restored = dict.fromkeys(name for cell in cells for r in receipts(cell) for name in r.get("restored", []))
    found = []
    if not_run:
        found.append(f"tests that did not run their checks: {', '.join(not_run)}")
    if restored:
        found.append(f"the checks put back replaced functions: {', '.join(list(restored)[:6])}"
                     f"{' ...' if len(restored) > 6 else ''}")
    return found
