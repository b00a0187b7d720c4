"""The instructor's commands as functions: release, autograde, feedback and export of a course directory.

Each wraps nbgrader on an ordinary nbgrader course directory, so nbgrader's own commands and
formgrader work on it too. They return what they made; :mod:`grading.cli` prints it. While it runs,
autograde shows on stderr a progress bar, one line per submission that is not ``ok`` (student,
assignment, status, reason), and at the end where nbgrader's log of each submission is kept.
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from tqdm import tqdm

from .. import course, i18n
from ..gradebook import all_cell_scores, max_scores, register_students, require_reachable
from ..intake.collect import collect
from ..intake.repair import repair_file
from ..intake.scan import scan_notebook
from ..reports.tables import Row, earlier, fill_scores, write
from ..settings import Settings
from ..status import NO_NOTEBOOK, Status
from .workers import LOGS, grade_all, progress


def release(course_dir: Path, db_url: str | None = None, languages: tuple[str, ...] = ()) -> list[Path]:
    """Generate every assignment's student version with nbgrader, plus a zip of each for an LMS; and for each
    of ``languages`` a translated student version and its zip in ``release-<lang>/``.

    ``release/`` stays nbgrader's English one (Formgrader and the exchange use it, autograde repairs
    against it): a translation changes only markdown, never a cell nbgrader tracks, so one gradebook
    grades every language."""
    if db_url is None and (course_dir / "nbgrader_config.py").exists():
        db_url = db_url_of(course_dir)  # keep the gradebook an earlier release chose
    if db_url is not None:
        require_reachable(db_url)  # a server that refuses: say so before anything is written
    course.prepare(course_dir, db_url)
    zips = []
    for assignment, folder in zip(course.assignments(), course.generate(course_dir, course.assignments())):
        zips.append(zip_release(folder))
        for lang in languages:
            edition = course_dir / f"release-{lang}" / assignment
            zips.append(zip_release(i18n.release_edition(folder, edition, course.SOLUTIONS / assignment /
                                                         f"{course.NOTEBOOK}.ipynb", lang)))
    return zips


def zip_release(folder: Path) -> Path:
    """``<folder>.zip`` beside a release folder, holding it under the assignment's name, to upload to an LMS."""
    archive = folder.with_name(f"{folder.name}.zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                z.write(path, Path(folder.name) / path.relative_to(folder))
    return archive


def db_url_of(course_dir: Path) -> str:
    """The gradebook URL written into the course's nbgrader_config.py."""
    for line in (course_dir / "nbgrader_config.py").read_text().splitlines():
        if line.startswith("c.CourseDirectory.db_url"):
            return line.split("=", 1)[1].strip().strip("'\"")
    return course.default_db_url(course_dir)


def autograde(course_dir: Path, submissions: Path, settings: Settings,
              assignment_id: str | None = None, scheduler: str | None = None) -> list[Row]:
    """Take in a class, grade every readable submission in parallel (here, or on the Dask cluster ``scheduler``
    names), write grades.csv and questions.csv."""
    if (course_dir / "nbgrader_config.py").exists():
        require_reachable(db_url_of(course_dir))  # a server that refuses: say so before anything is written
    if not (course_dir / "release").is_dir():
        release(course_dir)
    intake = collect(submissions, course_dir, course.assignments(), assignment_id)
    rows = {(i.student, i.assignment): Row(i.student, i.assignment, i.status, list(i.flags)) for i in intake}
    unmatched: dict[tuple[str, str], list[str]] = {}
    for (student, assignment), row in rows.items():
        if row.status == Status.OK:
            repaired = repair_file(course.notebook(course_dir, "submitted", assignment, student),
                                   course.notebook(course_dir, "release", assignment))
            row.flags.extend(repaired.flags())
            if repaired.unmatched:
                row.status, unmatched[(student, assignment)] = Status.CELLS_MODIFIED, repaired.unmatched
        elif row.status in NO_NOTEBOOK:
            tell(row, row.status.reason + (f" ({'; '.join(row.flags)})" if row.flags else ""))
    todo = [key for key, row in rows.items() if row.status in (Status.OK, Status.CELLS_MODIFIED)]
    db_url = db_url_of(course_dir)
    register_students(db_url, sorted({student for student, _ in todo}))
    if scheduler is None:
        results = grade_all(course_dir, todo, settings, db_url)
    else:
        from ..cluster.client import grade_on_cluster  # Dask is imported only by a run that uses it
        results = grade_on_cluster(course_dir, todo, settings, db_url, scheduler)
    logged = 0
    for result in progress(results, len(todo)):
        key = (result.student, result.assignment)
        row = rows[key]
        if result.status != Status.OK or row.status == Status.OK:
            row.status = result.status
        if result.detail and result.status != Status.OK:
            row.flags.append(result.detail)
        row.flags.extend(result.flags)
        if row.status != Status.OK:
            tell(row, result.detail if result.status != Status.OK else
                 f"{row.status.reason} ({'; '.join(unmatched.get(key, []))})")
        logged += result.log is not None
    if logged:
        print(f"nbgrader's log of {logged} submission(s): {course_dir / LOGS}/<assignment>/<student>.log",
              file=sys.stderr)
    maxima = max_scores(db_url)
    scores = all_cell_scores(db_url, list(rows))
    for (student, assignment), row in rows.items():
        fill_scores(row, scores[(student, assignment)], maxima.get(assignment, 0.0))
        if row.status not in NO_NOTEBOOK:
            row.flags.extend(scan_notebook(course.notebook(course_dir, "submitted", assignment, student),
                                           course.notebook(course_dir, "release", assignment)))
    previous = earlier(course_dir / "reports", set(rows))
    current = all_cell_scores(db_url, [(r.student, r.assignment) for r in previous])  # manual grades since
    for row in previous:
        fill_scores(row, current[(row.student, row.assignment)], maxima.get(row.assignment, row.max_score))
    write(previous + list(rows.values()), course_dir / "reports")
    return list(rows.values())


def tell(row: Row, reason: str) -> None:
    """One line on the terminal, above the progress bar, for a submission that is not ok."""
    tqdm.write(f"{row.student} {row.assignment}: {row.status}: {reason}", file=sys.stderr)


def feedback(course_dir: Path) -> Path:
    """HTML feedback for every graded submission with nbgrader, hidden tests removed.

    Every assignment with graded submissions is tried, all in this process through nbgrader's own API (nbgrader
    starts once, not once per assignment); if nbgrader failed for any, raise after all were tried, with
    nbgrader's own messages (an assignment nobody submitted is no failure).
    """
    api = course.course_api(course_dir)
    failed = []
    for assignment in course.assignments():
        if any((course_dir / "autograded").glob(f"*/{assignment}")):
            done = api.generate_feedback(assignment, force=True)
            if not done["success"]:
                failed.append(f"{assignment}:\n{done.get('log', '')[-1000:]}{done.get('error', '')[-2000:]}")
    if failed:
        raise course.NbgraderFailed("nbgrader generate_feedback failed for " + "\n".join(failed))
    return course_dir / "feedback"


def export(course_dir: Path) -> Path:
    """nbgrader's grade export (one row per student and assignment) for an LMS."""
    target = course_dir / "reports" / "lms_grades.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    course.nbgrader(course_dir, "export", f"--to={target}")
    return target


def summary(rows: list[Row]) -> str:
    """A few lines for the end of a run: counts per status and where the files are."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    flagged = sum(bool(r.flags) for r in rows)
    return (f"{len(rows)} submissions: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            + f"; {flagged} with flags")
