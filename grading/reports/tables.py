"""The class's results as CSV files: one row per submission, one row per graded cell."""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..gradebook import CellScore
from ..status import NO_NOTEBOOK, Status

GRADES = ["student", "assignment", "score", "max_score", "status", "flags"]
QUESTIONS = ["student", "assignment", "grade_id", "score", "max_score"]
MANUAL = "needs manual grading: "


@dataclass
class Row:
    """One submission's line of grades.csv."""

    student: str
    assignment: str
    status: Status
    flags: list[str] = field(default_factory=list)
    score: float = 0.0
    max_score: float = 0.0
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)


def fill_scores(row: Row, scores: dict[str, CellScore], max_score: float) -> None:
    """Put a submission's cell scores (read from nbgrader's gradebook) into its row."""
    row.max_score = max_score
    if row.status in NO_NOTEBOOK:
        return
    row.cells = {gid: (s.score, s.max_score) for gid, s in scores.items()}
    row.score = sum(s for s, _ in row.cells.values())
    row.flags = [f for f in row.flags if not f.startswith(MANUAL)]
    manual = sorted(gid for gid, s in scores.items() if s.needs_manual_grade)
    if manual and row.status != Status.ERROR:  # not graded (a gradebook that failed mid-run): nothing awaits a grader
        row.flags.append(f"{MANUAL}{', '.join(manual)}")


def write(rows: list[Row], reports: Path) -> tuple[Path, Path]:
    """Write reports/grades.csv and reports/questions.csv."""
    reports.mkdir(parents=True, exist_ok=True)
    grades, questions = reports / "grades.csv", reports / "questions.csv"
    with grades.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(GRADES)
        for r in sorted(rows, key=lambda r: (r.student, r.assignment)):
            out.writerow([r.student, r.assignment, f"{r.score:g}", f"{r.max_score:g}", r.status, "; ".join(r.flags)])
    with questions.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(QUESTIONS)
        for r in sorted(rows, key=lambda r: (r.student, r.assignment)):
            for gid, (score, max_score) in sorted(r.cells.items()):
                out.writerow([r.student, r.assignment, gid, f"{score:g}", f"{max_score:g}"])
    return grades, questions


def earlier(reports: Path, graded_now: set[tuple[str, str]]) -> list[Row]:
    """The rows an earlier run wrote for submissions this run did not grade (e.g. one LMS download per
    assignment): status and flags as written then; refresh their scores from the gradebook."""
    grades, questions = reports / "grades.csv", reports / "questions.csv"
    if not grades.exists() or not questions.exists():
        return []
    cells: dict[tuple[str, str], dict[str, tuple[float, float]]] = defaultdict(dict)
    for q in read(questions):
        cells[(q["student"], q["assignment"])][q["grade_id"]] = (float(q["score"]), float(q["max_score"]))
    return [Row(r["student"], r["assignment"], Status(r["status"]), r["flags"].split("; ") if r["flags"] else [],
                float(r["score"]), float(r["max_score"]), cells[(r["student"], r["assignment"])])
            for r in read(grades) if (r["student"], r["assignment"]) not in graded_now]


def read(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file written by :func:`write`."""
    with path.open(newline="") as f:
        return list(csv.DictReader(f))
