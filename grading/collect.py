"""Taking in a class's submissions: a folder or a zip, laid out <student>/<assignment>/<notebook>.ipynb.

Every (student, assignment) pair gets an :class:`Intake` row, whatever arrived: a readable
notebook is copied (never moved) into nbgrader's ``submitted/`` folder under the name
nbgrader expects; a missing, empty or corrupt one is recorded with a status instead.
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import NOTEBOOK


@dataclass
class Intake:
    """What arrived for one student and one assignment."""

    student: str
    assignment: str
    status: str = "ok"            # ok | missing_notebook | invalid_notebook
    flags: list[str] = field(default_factory=list)


def unpack(zip_path: Path, into: Path, assignments: list[str]) -> Path:
    """Extract an LMS zip download safely; return the folder that holds the student folders."""
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.infolist():
            if not (into / member.filename).resolve().is_relative_to(into.resolve()):
                raise ValueError(f"unsafe path in zip: {member.filename}")
        archive.extractall(into)
    tops = [p for p in into.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))]
    holds_students = any((top / a).is_dir() for top in tops for a in assignments)
    return tops[0] if len(tops) == 1 and not holds_students else into


def pick_notebook(folder: Path) -> tuple[Path | None, list[str]]:
    """The submitted notebook in an assignment folder, and flags when it was not named as released."""
    exact = folder / f"{NOTEBOOK}.ipynb"
    if exact.is_file():
        return exact, []
    candidates = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))
    if not candidates:
        return None, []
    preferred = [p for p in candidates if p.name.startswith(NOTEBOOK)] or candidates
    flags = [f"notebook was named {preferred[0].name!r}"]
    if len(candidates) > 1:
        flags.append(f"{len(candidates)} notebooks submitted; graded {preferred[0].name!r}")
    return preferred[0], flags


def readable(path: Path) -> str | None:
    """None if the file is a valid notebook, else why it is not."""
    text = path.read_text(errors="replace")
    if not text.strip():
        return "empty file"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds for broken JSON or schema
        return f"not a valid notebook ({type(exc).__name__})"
    return None


def collect(source: Path, course_dir: Path, assignments: list[str]) -> list[Intake]:
    """Copy every readable submission into course_dir/submitted; one Intake per student and assignment."""
    with tempfile.TemporaryDirectory() as scratch:
        root = unpack(source, Path(scratch), assignments) if zipfile.is_zipfile(source) else source
        students = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))
        rows = []
        for student in students:
            for assignment in assignments:
                row = Intake(student, assignment)
                rows.append(row)
                folder = root / student / assignment
                notebook, row.flags = pick_notebook(folder) if folder.is_dir() else (None, [])
                if notebook is None:
                    row.status = "missing_notebook"
                    continue
                problem = readable(notebook)
                if problem is not None:
                    row.status = "invalid_notebook"
                    row.flags.append(problem)
                    continue
                target = course_dir / "submitted" / student / assignment / f"{NOTEBOOK}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(notebook, target)
        return rows


def cell_changes(submitted: Path, released: Path) -> tuple[bool, list[str]]:
    """Compare a submission's graded cells with the release: (cells deleted or duplicated?, flags)."""
    def graded(path: Path) -> list[tuple[str, str]]:
        nb = nbformat.read(path, as_version=4)
        return [(c.metadata["nbgrader"]["grade_id"], c.source) for c in nb.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade") and "grade_id" in c.metadata["nbgrader"]]

    mine, theirs = graded(submitted), dict(graded(released))
    ids = [gid for gid, _ in mine]
    flags = []
    missing = [gid for gid in theirs if gid not in ids and gid.startswith("test_")]
    doubled = sorted({gid for gid in ids if ids.count(gid) > 1})
    edited = sorted({gid for gid, src in mine if gid.startswith("test_") and gid in theirs and src != theirs[gid]})
    if missing:
        flags.append(f"deleted test cells: {', '.join(missing)}")
    if doubled:
        flags.append(f"duplicated cells: {', '.join(doubled)}")
    if edited:
        flags.append(f"edited test cells (nbgrader restored them): {', '.join(edited)}")
    return bool(missing or doubled), flags
