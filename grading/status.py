"""What became of a submission, as data: the status in its row of grades.csv and the reason the instructor reads.

A :class:`Status` is a ``StrEnum``, so it is written to CSV, and compares with the spec's strings,
exactly as the plain string it stands for. The step that sees why a notebook's grading ended early
says so by raising :class:`Ended` with an :class:`Outcome` (see :mod:`grading.pipeline.execute`);
nobody reads a verdict back from log text.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .sandbox.channel import MAX_MESSAGE_BYTES


class Status(StrEnum):
    """Every status a submission's row can have."""

    OK = "ok"
    MISSING_NOTEBOOK = "missing_notebook"  # intake: no notebook in the student's folder
    INVALID_NOTEBOOK = "invalid_notebook"  # intake: empty, corrupt, or reached through a symbolic link
    CELLS_MODIFIED = "cells_modified"      # repair: an answer cell of the release is nowhere in the notebook
    KERNEL_DIED = "kernel_died"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    ERROR = "error"                        # not graded for a reason of the grader's (its Outcome says which)

    @property
    def reason(self) -> str:
        """The standard sentence for the instructor ('' where the particular case says more, or nothing is wrong)."""
        return REASONS.get(self, "")


NO_NOTEBOOK = (Status.MISSING_NOTEBOOK, Status.INVALID_NOTEBOOK)  # nothing reached nbgrader: no scores, no cells
REASONS = {
    Status.MISSING_NOTEBOOK: "no notebook was submitted",
    Status.INVALID_NOTEBOOK: "the submitted file is not a readable notebook",
    Status.CELLS_MODIFIED: "an answer cell of the released notebook is missing from the submission",
    Status.KERNEL_DIED: "the kernel exited or crashed while running the notebook",
    Status.TIMEOUT: "a cell ran longer than the time limit",
    Status.MEMORY_LIMIT: "the notebook tried to use more memory than allowed",
    Status.OUTPUT_LIMIT: (f"a cell's output stopped arriving: one over {MAX_MESSAGE_BYTES // 2**20} MiB "
                          "is refused unread (or the machine was too busy to pass it on)"),
}


@dataclass(frozen=True)
class Outcome:
    """Why grading one notebook ended early: a status and the sentence that explains it."""

    status: Status
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.reason:
            object.__setattr__(self, "reason", self.status.reason)


class Ended(Exception):
    """Raised by the step that knows why a notebook's grading cannot go on; carries that :class:`Outcome`."""

    def __init__(self, status: Status, reason: str = "") -> None:
        self.outcome = Outcome(status, reason)
        super().__init__(f"{self.outcome.status}: {self.outcome.reason}")
