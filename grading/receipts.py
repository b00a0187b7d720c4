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


def valid(receipt: dict, key: str) -> bool:
    """Whether a receipt is signed with this run's key."""
    serial, restored = receipt.get("serial"), receipt.get("restored")
    return (bool(key) and type(serial) is int and isinstance(restored, list) and all(type(r) is str for r in restored)
            and receipt.get("mac") == mac(key, str(receipt.get("check")), serial, restored))


class RequireReceipts(NbGraderPreprocessor):
    """Turn a passing autograder test cell without its check's valid receipt into a failing one.

    Receipts count up in a kernel, so a valid one is accepted only when its serial number is
    higher than that of every receipt above it: a receipt shown again in a later cell is not.
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        key, last = os.environ.get(ENV_KEY, ""), 0
        for cell in nb.cells:
            fresh = []
            for receipt in receipts(cell):
                if valid(receipt, key) and receipt["serial"] > last:
                    fresh.append(receipt["check"])
                    last = receipt["serial"]
            if self.passes_without_receipt(cell, fresh):
                self.fail(cell)
        return nb, resources

    @staticmethod
    def passes_without_receipt(cell: NotebookNode, checks: list[str]) -> bool:
        """An autograder test cell showing no error and no fresh receipt of its own check."""
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return False
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return False
        return expected_check(cell.metadata["nbgrader"]["grade_id"]) not in checks

    def fail(self, cell: NotebookNode) -> None:
        """Add the error output that makes nbgrader score the cell 0."""
        check = expected_check(cell.metadata["nbgrader"]["grade_id"])
        message = (f"{check} did not report a result: this test cell did not run its check to the end "
                   "(the notebook replaced the check or changed how cells run)")
        cell.outputs.append(from_dict({"output_type": "error", "ename": NOT_RUN, "evalue": message,
                                       "traceback": [f"{NOT_RUN}: {message}"]}))
        self.log.warning("%s: %s", cell.metadata["nbgrader"]["grade_id"], message)


def flags(cells: list[NotebookNode]) -> list[str]:
    """What an autograded notebook's cells tell the instructor: checks that did not run, functions put back."""
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
