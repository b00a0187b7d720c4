"""nbgrader's Autograde split at its Execute step, so that one process runs kernels and another writes the gradebook.

On a Dask worker, :class:`ExecuteOnly` runs nbgrader's Autograde up to and including the Execute step (against a
scratch course) and stops: the executed notebook is the worker's whole product. In the command's process,
:class:`Replay` runs the same Autograde on the real course with the Execute step replaced by the notebook the
worker returned; every later step (nbgrader's ``SaveAutoGrades`` above all) runs there as in a local run, so
scores come from nbgrader exactly as with ``--jobs``. The replay takes the worker's notebook only where its cells
are the ones this course sanitised (same ids, types, sources and nbgrader metadata): a worker can change outputs,
which its kernel produced anyway, never what is graded.
"""
from __future__ import annotations

from typing import Any

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets.utils.importstring import import_item

from ..status import Ended, Outcome, Status
from .workers import RecordingAutograde


def is_execute(step: Any) -> bool:
    """Whether an entry of nbgrader's ``autograde_preprocessors`` (a class, or its dotted name) is the Execute step."""
    kind = import_item(step) if isinstance(step, str) else step
    return isinstance(kind, type) and issubclass(kind, Execute)


class ExecuteOnly(RecordingAutograde):
    """nbgrader's Autograde that stops after the Execute step: sanitised, executed, nothing written to a gradebook
    but the submission's entry (in the worker's scratch gradebook)."""

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()
        if not self._sanitizing:
            self.exporter._preprocessors = [p for p in self.exporter._preprocessors if isinstance(p, Execute)]


class NotTheSubmission(Exception):
    """The notebook a worker returned is not the sanitised submission with outputs: it is not recorded."""


class Returned(Preprocessor):
    """Stands in for the Execute step: yields the notebook a worker executed (or ends as the worker's run ended)."""

    def __init__(self, executed: NotebookNode | None, ended: Outcome | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.executed, self.ended = executed, ended

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """The worker's notebook, once its cells are found to be this sanitised notebook's cells."""
        if self.executed is None:
            ended = self.ended or Outcome(Status.ERROR, "the grading worker returned no notebook")
            raise Ended(ended.status, ended.reason)
        mismatch = differences(nb, self.executed)
        if mismatch:
            raise NotTheSubmission(f"the grading worker returned another notebook ({mismatch})")
        return self.executed, resources


def differences(sanitised: NotebookNode, executed: NotebookNode) -> str:
    """What differs between the cells graded here and the worker's, besides outputs ('' when nothing does)."""
    if len(sanitised.cells) != len(executed.cells):
        return f"{len(executed.cells)} cells, not {len(sanitised.cells)}"
    for index, (mine, theirs) in enumerate(zip(sanitised.cells, executed.cells)):
        for key in ("id", "cell_type", "source"):
            if mine.get(key) != theirs.get(key):
                return f"cell {index}: its {key}"
        if mine.get("metadata", {}).get("nbgrader") != theirs.get("metadata", {}).get("nbgrader"):
            return f"cell {index}: its nbgrader metadata"
    return ""


class Replay(RecordingAutograde):
    """nbgrader's Autograde whose Execute step is :class:`Returned`: records a worker's executed notebook into this
    course's gradebook and autograded folder with nbgrader's own later steps."""

    def __init__(self, executed: str | None, ended: Outcome | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.returned = Returned(nbformat.reads(executed, as_version=4) if executed is not None else None, ended)

    def _init_preprocessors(self) -> None:
        if self._sanitizing:
            super()._init_preprocessors()
            return
        self.exporter._preprocessors = []
        for step in self.autograde_preprocessors:
            if is_execute(step):
                self.exporter.register_preprocessor(self.returned, enabled=True)
            else:
                self.exporter.register_preprocessor(step)
