"""What a cluster run has already graded, so that a rerun grades only the rest.

One JSON line per graded submission in ``reports/graded.jsonl``, appended as each is recorded (so a run that was
stopped keeps what it finished): who, which assignment, the fingerprint of what was graded (the submitted notebook,
the assignment's definition and the limits), and the outcome (status, reason, flags). A rerun skips a submission
whose fingerprint is unchanged and reuses its outcome; one the grader could not grade (status ``error``) is never
kept, so it is graded again.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ..pipeline.workers import Graded, log_path
from ..settings import Settings
from ..status import Status
from .tasks import digest

LEDGER = Path("reports", "graded.jsonl")  # in the course directory


def fingerprint(notebook: str, definition: dict[str, Any], settings: Settings) -> str:
    """What decides a submission's grading: its notebook, its assignment's definition, every limit but parallelism."""
    limits = {k: v for k, v in dataclasses.asdict(settings).items() if k != "jobs"}
    return digest([notebook, definition, limits])


class Ledger:
    """The course's ledger of graded submissions (:data:`LEDGER`)."""

    def __init__(self, course_dir: Path) -> None:
        self.course_dir = course_dir
        self.path = course_dir / LEDGER
        self.entries: dict[tuple[str, str], dict[str, Any]] = {}
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                    self.entries[(entry["student"], entry["assignment"])] = entry
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short when a run was killed: that submission is graded again

    def done(self, student: str, assignment: str, fingerprint: str) -> Graded | None:
        """The outcome recorded for this submission if it was graded with this fingerprint, else None."""
        entry = self.entries.get((student, assignment))
        if entry is None or entry.get("fingerprint") != fingerprint:
            return None
        log = log_path(self.course_dir, assignment, student)
        return Graded(student, assignment, Status(entry["status"]), entry["detail"], list(entry["flags"]),
                      log if log.exists() else None)

    def add(self, graded: Graded, fingerprint: str) -> None:
        """Append a recorded submission's outcome (not one the grader failed: that one is graded again)."""
        if graded.status == Status.ERROR:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"student": graded.student, "assignment": graded.assignment, "fingerprint": fingerprint,
                 "status": str(graded.status), "detail": graded.detail, "flags": graded.flags}
        with self.path.open("a") as ledger:
            ledger.write(json.dumps(entry) + "\n")
        self.entries[(graded.student, graded.assignment)] = entry
