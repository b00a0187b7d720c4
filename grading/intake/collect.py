"""Taking in a class's submissions: a folder or a zip laid out <student>/<assignment>/<notebook>.ipynb,
or a flat Canvas or Moodle download of one assignment (see :mod:`grading.intake.lms`).

Every (student, assignment) pair gets an :class:`Intake` row, whatever arrived: a readable
notebook is copied (never moved) into nbgrader's ``submitted/`` folder under the name
nbgrader expects; a missing, empty or corrupt one is recorded with a status instead.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import course
from ..course import NOTEBOOK
from ..status import Status
from . import lms


@dataclass
class Intake:
    """What arrived for one student and one assignment."""

    student: str
    assignment: str
    status: Status = Status.OK    # or MISSING_NOTEBOOK, INVALID_NOTEBOOK
    flags: list[str] = field(default_factory=list)


def unpack(zip_path: Path, into: Path) -> Path:
    """Extract a zip download safely (a member that would land outside ``into`` is refused); return ``into``."""
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.infolist():
            if not (into / member.filename).resolve().is_relative_to(into.resolve()):
                raise ValueError(f"unsafe path in zip: {member.filename}")
        archive.extractall(into)
    return into


def folders(root: Path) -> list[Path]:
    """The sub-folders of root, without hidden ones and OS litter such as __MACOSX."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))


def nested_root(root: Path, assignments: list[str]) -> Path | None:
    """The folder laid out <student>/<assignment>/: root or its only sub-folder (a zip's wrapper); None if neither."""
    tops = folders(root)
    for candidate in [root, *(tops if len(tops) == 1 else [])]:
        if any((student / a).is_dir() for student in folders(candidate) for a in assignments):
            return candidate
    return None


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


def link_in(path: Path, root: Path) -> Path | None:
    """The first symbolic link on the way from ``root`` down to ``path``, if any: a submission is never
    read through one (a link to the instructor's solutions or a classmate's notebook would be graded)."""
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def copy_no_follow(source: Path, target: Path) -> None:
    """Copy a regular file, refusing to open a link at either end."""
    flags = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    with os.fdopen(os.open(source, os.O_RDONLY | flags), "rb") as src:
        if target.is_symlink():
            target.unlink()
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | flags, 0o644), "wb") as dst:
            shutil.copyfileobj(src, dst)


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


def take_in(row: Intake, notebook: Path | None, course_dir: Path, root: Path) -> Intake:
    """Copy a readable notebook found under ``root`` to course_dir/submitted/<student>/<assignment>/;
    else set the row's status."""
    if notebook is None:
        row.status = Status.MISSING_NOTEBOOK
        return row
    link = link_in(notebook, root)
    if link is not None:
        row.status = Status.INVALID_NOTEBOOK
        row.flags.append(f"{link.relative_to(root)} is a symbolic link (to {os.readlink(link)}): not followed")
        return row
    problem = readable(notebook)
    if problem is not None:
        row.status = Status.INVALID_NOTEBOOK
        row.flags.append(problem)
        return row
    target = course.notebook(course_dir, "submitted", row.assignment, row.student)
    target.parent.mkdir(parents=True, exist_ok=True)
    copy_no_follow(notebook, target)
    return row


def from_student_folders(root: Path, course_dir: Path, assignments: list[str]) -> list[Intake]:
    """One Intake per student folder and assignment of a <student>/<assignment>/ layout, for every
    assignment that someone in it submitted (an upload of one assignment says nothing of the others)."""
    students = folders(root)
    present = [a for a in assignments if any((student / a).is_dir() for student in students)]
    rows = []
    for student in students:
        for assignment in present:
            folder = student / assignment
            notebook, flags = pick_notebook(folder) if folder.is_dir() else (None, [])
            rows.append(take_in(Intake(student.name, assignment, flags=flags), notebook, course_dir, root))
    return rows


def from_lms_download(root: Path, course_dir: Path, assignments: list[str], assignment: str | None) -> list[Intake]:
    """One Intake per student of a flat Canvas or Moodle download; the assignment inferred unless given."""
    found = lms.submissions(root)
    if assignment is None:
        releases = {a: course.notebook(course_dir, "release", a) for a in assignments}
        assignment = lms.infer_assignment([s.path for s in found if link_in(s.path, root) is None
                                           and readable(s.path) is None], releases)
    return [take_in(Intake(s.student, assignment, flags=s.flags), s.path, course_dir, root) for s in found]


def collect(source: Path, course_dir: Path, assignments: list[str], assignment: str | None = None) -> list[Intake]:
    """Copy every readable submission into course_dir/submitted; one Intake per student and assignment.

    ``source`` is a folder or zip laid out <student>/<assignment>/ (only ``assignment`` is taken
    in when given), or a flat Canvas or Moodle download of one assignment (``assignment``, or the
    one its notebooks' grade_ids match best).
    """
    with tempfile.TemporaryDirectory() as scratch:
        unpacked = unpack(source, Path(scratch)) if zipfile.is_zipfile(source) else source
        root = nested_root(unpacked, assignments)
        if root is None:
            return from_lms_download(unpacked, course_dir, assignments, assignment)
        return from_student_folders(root, course_dir, [assignment] if assignment else assignments)

