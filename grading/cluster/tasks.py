"""What crosses between the command and its Dask workers: a task and its result, as JSON, never pickled objects.

A task carries one submission and its assignment's definition (the gradebook rows nbgrader wrote at release:
notebooks, graded, solution, task and source cells), so a worker needs no shared filesystem and never reaches the
course's gradebook: it rebuilds the definition in a scratch one. A result carries how the run ended, the kernel
warden's flags, the executed notebook and nbgrader's log of it; the command refuses one over
:data:`MAX_RESULT_BYTES` or of any other shape before using it (:meth:`Result.parse`).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from ..course import COURSE_ID
from ..status import Outcome, Status

MAX_RESULT_BYTES = 64 * 2**20  # a notebook keeps at most --notebook-chars of output (10 M by default), plus its log
MAX_LOG_CHARS = 2**20 + 1024   # the worker keeps a log's first and last 512 KiB, as a local run does
MAX_FLAGS, MAX_TEXT = 200, 4000  # flags per result, characters per flag or reason
CELLS = {"grade_cells": ("max_score", "cell_type"), "solution_cells": (), "task_cells": ("max_score", "cell_type"),
         "source_cells": ("cell_type", "locked", "source", "checksum")}


class Refused(ValueError):
    """A worker's result that is not what a result must be: it is not recorded."""


def definition(db_url: str, assignment: str) -> dict[str, Any]:
    """The gradebook's definition of one assignment as JSON-able data (what nbgrader's autograde reads of it)."""
    with Gradebook(db_url, COURSE_ID) as gb:
        found = gb.find_assignment(assignment)
        return {"name": found.name, "duedate": found.duedate.isoformat() if found.duedate else None,
                "notebooks": [{"name": nb.name, "kernelspec": nb.kernelspec,
                               **{kind: [{"name": cell.name, **{f: getattr(cell, f) for f in fields}}
                                         for cell in sorted(getattr(nb, kind), key=lambda c: c.name)]
                                  for kind, fields in CELLS.items()}}
                              for nb in sorted(found.notebooks, key=lambda nb: nb.name)]}


def digest(data: Any) -> str:
    """A short hash of JSON-able data, the same on every machine."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def build_gradebook(db_url: str, made: dict[str, Any]) -> None:
    """Write an assignment's :func:`definition` into a (scratch) gradebook with nbgrader's own API, in place of
    any earlier definition of it there (with its submissions)."""
    with Gradebook(db_url, COURSE_ID) as gb:
        try:
            gb.remove_assignment(made["name"])
        except MissingEntry:
            pass
        duedate = datetime.fromisoformat(made["duedate"]) if made["duedate"] else None
        gb.update_or_create_assignment(made["name"], duedate=duedate)
        for nb in made["notebooks"]:
            gb.update_or_create_notebook(nb["name"], made["name"], kernelspec=nb["kernelspec"])
            adders = {"grade_cells": gb.update_or_create_grade_cell,
                      "solution_cells": gb.update_or_create_solution_cell,
                      "task_cells": gb.update_or_create_task_cell, "source_cells": gb.update_or_create_source_cell}
            for kind, add in adders.items():
                for cell in nb[kind]:
                    add(cell["name"], nb["name"], made["name"], **{k: v for k, v in cell.items() if k != "name"})


@dataclass(frozen=True)
class Task:
    """One submission to grade: who, which assignment, the (repaired) notebook as text, the assignment's definition."""

    student: str
    assignment: str
    notebook: str
    definition: dict[str, Any]

    def to_json(self) -> bytes:
        """The task as UTF-8 JSON."""
        return json.dumps(self.__dict__).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Task:
        """The task :meth:`to_json` wrote."""
        return cls(**json.loads(data))


@dataclass(frozen=True)
class Result:
    """What a worker made of a task: how the run ended (None: to the end), the warden's flags, the executed
    notebook as JSON text (None: nbgrader wrote none) and nbgrader's log of it."""

    student: str
    assignment: str
    ended: Outcome | None
    flags: list[str]
    notebook: str | None
    log: str

    def to_json(self) -> bytes:
        """The result as UTF-8 JSON."""
        ended = None if self.ended is None else {"status": str(self.ended.status), "reason": self.ended.reason}
        return json.dumps({"student": self.student, "assignment": self.assignment, "ended": ended,
                           "flags": self.flags, "notebook": self.notebook, "log": self.log}).encode()

    @classmethod
    def parse(cls, data: bytes, task: Task) -> Result:
        """The result of ``task`` in ``data``, checked field by field; raise :class:`Refused` if it is anything else."""
        if not isinstance(data, bytes) or len(data) > MAX_RESULT_BYTES:
            raise Refused(f"not JSON bytes of at most {MAX_RESULT_BYTES // 2**20} MiB")
        try:
            found = json.loads(data)
        except ValueError as exc:
            raise Refused(f"not JSON: {exc}") from None
        keys = {"student", "assignment", "ended", "flags", "notebook", "log"}
        if not isinstance(found, dict) or set(found) != keys:
            raise Refused("not a result's fields")
        if (found["student"], found["assignment"]) != (task.student, task.assignment):
            raise Refused("the result of another submission")
        ended, flags, notebook, log = found["ended"], found["flags"], found["notebook"], found["log"]
        if ended is not None and not (isinstance(ended, dict) and set(ended) == {"status", "reason"}
                                      and ended["status"] in set(Status) and text(ended["reason"])):
            raise Refused("an end that is not a status and a reason")
        if not (isinstance(flags, list) and len(flags) <= MAX_FLAGS and all(text(f) for f in flags)):
            raise Refused("flags that are not a short list of short strings")
        if not (isinstance(log, str) and len(log) <= MAX_LOG_CHARS):
            raise Refused("a log that is not a string of at most 1 MiB")
        if notebook is not None:
            try:
                nbformat.validate(nbformat.reads(notebook, as_version=4))
            except Exception as exc:  # not a string, not JSON, or not a valid notebook
                raise Refused(f"not a valid notebook: {type(exc).__name__}") from None
        return cls(task.student, task.assignment,
                   None if ended is None else Outcome(Status(ended["status"]), ended["reason"]), flags, notebook, log)


def text(value: object) -> bool:
    """Whether ``value`` is a string of at most :data:`MAX_TEXT` characters."""
    return isinstance(value, str) and len(value) <= MAX_TEXT
