"""Flat LMS downloads of one assignment (Canvas, Moodle): which file is whose, and which assignment it is.

File names are parsed with nbgrader's own zip_collect plugin (``FileNameCollectorPlugin``),
one named regular expression per LMS, matched against each file's path inside the download:

- Canvas: ``<student>_<userid>_<submissionid>_<file>`` or ``<student>_LATE_<userid>_<submissionid>_<file>``,
  where ``<file>`` is what the student uploaded, renamed ``exercises-1.ipynb`` (or
  ``exercises (1).ipynb``) by the LMS when uploaded again;
- Moodle: ``<Full Name>_<id>_assignsubmission_file_/<file>`` (or the same without the ``/``).
"""
from __future__ import annotations

import logging
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.plugins import FileNameCollectorPlugin

from ..course import NOTEBOOK, grade_id

# We print one warning per file that no pattern matches; nbgrader's plugin would add one per pattern tried.
_QUIET = logging.Logger(__name__, logging.ERROR)
# Moodle's first: its literal "_assignsubmission_file_" is the more specific of the two.
PLUGINS = (
    FileNameCollectorPlugin(log=_QUIET, named_regexp=(  # Moodle
        r"(?:.*/)?(?P<student_id>[^/]+?)_(?P<user_id>\d+)_assignsubmission_file_/?(?P<file_id>[^/]+)$")),
    FileNameCollectorPlugin(log=_QUIET, named_regexp=(  # Canvas
        r"(?:.*/)?(?P<student_id>[^/]+?)_(?P<late>LATE_)?(?P<user_id>\d+)_(?P<submission_id>\d+)_(?P<file_id>[^/]+)$")),
)
RESUBMITTED = re.compile(r"(?P<stem>.+?)(?:-(?P<dash>\d+)| \((?P<paren>\d+)\))?(?P<ext>\.ipynb)")


class AssignmentUnknown(Exception):
    """A flat download's notebooks do not tell which assignment it is."""


@dataclass
class Submission:
    """The notebook graded for one student of a flat download, and what to tell the instructor about it."""

    student: str
    path: Path
    flags: list[str] = field(default_factory=list)


@dataclass
class _File:
    """One notebook of the download with the fields its name gave."""

    path: Path
    name: str
    fields: dict[str, str]

    def newness(self) -> tuple[int, bool, int, str]:
        """Sort key, the one to grade last: submission id, named as released, resubmission number, name."""
        uploaded, number = resubmission(self.fields["file_id"])
        return int(self.fields.get("submission_id") or 0), uploaded == f"{NOTEBOOK}.ipynb", number, self.name


def safe_student(name: str) -> str | None:
    """The LMS's student name as a folder name (letters, digits, ``.``, ``-``, ``_``; no leading dot), or None."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or None


def resubmission(file_id: str) -> tuple[str, int]:
    """The uploaded name without the LMS's resubmission suffix, and that suffix's number (0 for none)."""
    found = RESUBMITTED.fullmatch(file_id)
    if not found:
        return file_id, 0
    return found["stem"] + found["ext"], int(found["dash"] or found["paren"] or 0)


def parse(relative: str) -> dict[str, str] | None:
    """The fields nbgrader's plugin reads from a notebook's path in the download, plus the safe ``student``; or None."""
    for plugin in PLUGINS:
        fields = plugin.collect(relative)
        student = fields and safe_student(fields["student_id"])
        if student:
            return {**fields, "student": student}
    return None


def submissions(root: Path) -> list[Submission]:
    """One Submission per student of a flat download; a warning line for every file not taken in."""
    by_user: dict[tuple[str, str], list[_File]] = defaultdict(list)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        inside = path.relative_to(root)
        if any(part.startswith((".", "__")) for part in inside.parts):
            continue  # OS litter such as __MACOSX/ and .DS_Store
        fields = parse(inside.as_posix())
        if fields is None:
            why = "not a notebook" if path.suffix != ".ipynb" else "named like no Canvas or Moodle submission"
            print(f"warning: not graded: {inside.as_posix()} ({why})", file=sys.stderr)
            continue
        by_user[(fields["student"], fields["user_id"])].append(_File(path, inside.as_posix(), fields))
    # Two people with the same name (different LMS user ids) keep apart as <name>_<user id>.
    names = Counter(student for student, _ in by_user)
    return [choose(student if names[student] == 1 else f"{student}_{user}", files)
            for (student, user), files in sorted(by_user.items())]


def choose(student: str, files: list[_File]) -> Submission:
    """The newest of a student's notebooks, flagged with what was ignored, late or renamed."""
    files = sorted(files, key=_File.newness)
    graded, flags = files[-1], []
    if len(files) > 1:
        ignored = ", ".join(repr(f.name) for f in files[:-1])
        flags.append(f"{len(files)} files submitted; graded {graded.name!r}, ignored {ignored}")
    if graded.fields.get("late"):
        flags.append("submitted late (Canvas LATE)")
    if resubmission(graded.fields["file_id"])[0] != f"{NOTEBOOK}.ipynb":
        flags.append(f"notebook was named {graded.fields['file_id']!r}")
    return Submission(student, graded.path, flags)


def grade_ids(notebook: Path) -> set[str]:
    """The nbgrader grade_ids of a notebook's cells."""
    return {gid for cell in nbformat.read(notebook, as_version=4).cells if (gid := grade_id(cell))}


def infer_assignment(notebooks: list[Path], releases: dict[str, Path]) -> str:
    """The assignment whose release notebook shares the most grade_ids with the submitted notebooks."""
    submitted = [grade_ids(notebook) for notebook in notebooks]
    overlap = {}
    for assignment, release in releases.items():
        ids = grade_ids(release)
        overlap[assignment] = sum(len(ids & mine) for mine in submitted)
    best = max(overlap.values(), default=0)
    leaders = [assignment for assignment, n in overlap.items() if n == best]
    if best and len(leaders) == 1:
        return leaders[0]
    why = ("no readable notebook" if not notebooks else "no grade_id in common with any release" if not best
           else f"{' and '.join(leaders)} match equally well")
    raise AssignmentUnknown(f"cannot tell which assignment this download is for ({why}); "
                            f"pass --assignment ID, one of: {', '.join(releases)}")
