"""The instructor's command line: ``python -m grading release|autograde|feedback|export|report|demo|bench``.

Each command wraps nbgrader on an ordinary nbgrader course directory (default: ``course/``
in the repository), so nbgrader's own commands and formgrader work on it too.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import zipfile
from contextlib import ExitStack
from pathlib import Path

from . import course, sandbox
from .collect import collect
from .gradebook import (GradebookUnreachable, all_cell_scores, cell_scores, max_scores, register_students,
                        require_reachable, scratch_database, shown)
from .lms import AssignmentUnknown
from .pipeline import KERNELS, Settings, grade_all, progress
from .plots import write_report
from .repair import repair_file
from .scan import scan_notebook
from .synthetic import build_bench_class, build_demo_class
from .tables import Row, earlier, fill_scores, write


def release(course_dir: Path, db_url: str | None = None) -> list[Path]:
    """Generate every assignment's student version with nbgrader, plus a zip of each for an LMS."""
    if db_url is None and (course_dir / "nbgrader_config.py").exists():
        db_url = db_url_of(course_dir)  # keep the gradebook an earlier release chose
    if db_url is not None:
        require_reachable(db_url)  # a server that refuses: say so before anything is written
    course.prepare(course_dir, db_url)
    zips = []
    for assignment in course.assignments():
        folder = course.generate(course_dir, assignment)
        archive = course_dir / "release" / f"{assignment}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    z.write(path, Path(assignment) / path.relative_to(folder))
        zips.append(archive)
    return zips


def db_url_of(course_dir: Path) -> str:
    """The gradebook URL written into the course's nbgrader_config.py."""
    for line in (course_dir / "nbgrader_config.py").read_text().splitlines():
        if line.startswith("c.CourseDirectory.db_url"):
            return line.split("=", 1)[1].strip().strip("'\"")
    return course.default_db_url(course_dir)


def autograde(course_dir: Path, submissions: Path, settings: Settings,
              assignment_id: str | None = None) -> list[Row]:
    """Take in a class, grade every readable submission in parallel, write grades.csv and questions.csv."""
    if (course_dir / "nbgrader_config.py").exists():
        require_reachable(db_url_of(course_dir))  # a server that refuses: say so before anything is written
    if not (course_dir / "release").is_dir():
        release(course_dir)
    intake = collect(submissions, course_dir, course.assignments(), assignment_id)
    rows = {(i.student, i.assignment): Row(i.student, i.assignment, i.status, list(i.flags)) for i in intake}
    for (student, assignment), row in rows.items():
        if row.status == "ok":
            repaired = repair_file(course_dir / "submitted" / student / assignment / f"{course.NOTEBOOK}.ipynb",
                                   course_dir / "release" / assignment / f"{course.NOTEBOOK}.ipynb")
            row.flags.extend(repaired.flags())
            if repaired.unmatched:
                row.status = "cells_modified"
    todo = [key for key, row in rows.items() if row.status in ("ok", "cells_modified")]
    db_url = db_url_of(course_dir)
    register_students(db_url, sorted({student for student, _ in todo}))
    for result in progress(grade_all(course_dir, todo, settings, db_url), len(todo)):
        row = rows[(result.student, result.assignment)]
        if result.status != "ok" or row.status == "ok":
            row.status = result.status
        if result.detail and result.status != "ok":
            row.flags.append(result.detail)
        row.flags.extend(result.flags)
    maxima = max_scores(db_url)
    scores = all_cell_scores(db_url, list(rows))
    for (student, assignment), row in rows.items():
        fill_scores(row, scores[(student, assignment)], maxima.get(assignment, 0.0))
        submitted = course_dir / "submitted" / student / assignment / f"{course.NOTEBOOK}.ipynb"
        released = course_dir / "release" / assignment / f"{course.NOTEBOOK}.ipynb"
        if row.status not in ("missing_notebook", "invalid_notebook"):
            row.flags.extend(scan_notebook(submitted, released))
    previous = earlier(course_dir / "reports", set(rows))
    current = all_cell_scores(db_url, [(r.student, r.assignment) for r in previous])  # manual grades since
    for row in previous:
        fill_scores(row, current[(row.student, row.assignment)], maxima.get(row.assignment, row.max_score))
    write(previous + list(rows.values()), course_dir / "reports")
    return list(rows.values())


def feedback(course_dir: Path) -> Path:
    """HTML feedback for every graded submission with nbgrader, hidden tests removed."""
    for assignment in course.assignments():
        if (course_dir / "autograded").is_dir():
            course.nbgrader(course_dir, "generate_feedback", assignment, "--force", check=False)
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


def demo(course_dir: Path, jobs: int) -> None:
    """Release, a synthetic class with every kind of bad input, autograde, feedback, report."""
    start = time.monotonic()
    release(course_dir)
    submissions = course_dir / "demo_submissions"
    shutil.rmtree(submissions, ignore_errors=True)
    confined = sandbox.probe()
    roles = build_demo_class(course_dir / "release", course.assignments(), submissions,
                             vandal=not confined.startswith("unconfined"))
    print("demo class:", ", ".join(f"{s} ({r})" for s, r in roles.items()))
    if confined.startswith("unconfined"):
        print(f"no vandal in this demo: kernels cannot be sandboxed here ({confined})")
    rows = autograde(course_dir, submissions, Settings(jobs=jobs, timeout=10))
    feedback(course_dir)
    index = write_report(course_dir / "reports")
    print(summary(rows))
    print(f"done in {time.monotonic() - start:.0f} s. Look at:\n  {course_dir / 'reports' / 'grades.csv'}\n"
          f"  {index}\n  {course_dir / 'feedback'}")


def bench(students: int, jobs: int, db_url: str | None = None) -> None:
    """Grade one class by stock nbgrader and ours (or, given db_url, ours on SQLite and on PostgreSQL); compare."""
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        base_dir, ours_dir, class_dir = Path(tmp) / "base", Path(tmp) / "ours", Path(tmp) / "class"
        server = stack.enter_context(scratch_database(db_url)) if db_url else None
        release(base_dir)
        release(ours_dir, server)
        build_bench_class(base_dir / "release", course.assignments(), class_dir, students)
        start = time.monotonic()
        if server is None:
            collect(class_dir, base_dir, course.assignments())
            for assignment in course.assignments():
                course.nbgrader(base_dir, "autograde", assignment, "--force")
        else:
            autograde(base_dir, class_dir, Settings(jobs=jobs, timeout=30))
        base = time.monotonic() - start
        start = time.monotonic()
        rows = autograde(ours_dir, class_dir, Settings(jobs=jobs, timeout=30))
        ours = time.monotonic() - start
        differ = [(r.student, r.assignment) for r in rows
                  if cell_scores(db_url_of(base_dir), r.assignment, r.student)
                  != cell_scores(db_url_of(ours_dir), r.assignment, r.student)]
        n = len(rows)
        print(f"{n} notebooks, {jobs} jobs, {os.cpu_count()} cores")
        if server is None:
            print(f"stock nbgrader autograde (serial): {base:7.1f} s  {base / n:.2f} s/notebook")
            print(f"python -m grading autograde:       {ours:7.1f} s  {ours / n:.2f} s/notebook")
            print(f"ratio: {base / ours:.1f}x faster; scores identical: {not differ}")
        else:
            print(f"python -m grading autograde, SQLite gradebook:     {base:7.1f} s  {base / n:.2f} s/notebook")
            print(f"python -m grading autograde, PostgreSQL gradebook: {ours:7.1f} s  {ours / n:.2f} s/notebook"
                  f"  (a scratch database on {shown(db_url)}, dropped after)")
            print(f"PostgreSQL/SQLite time: {ours / base:.2f}; scores identical: {not differ}")
        if differ:
            raise SystemExit(f"scores differ for {differ}")


def postgres_url(value: str) -> str:
    """The type of bench's --db-url: a PostgreSQL URL (the scratch database is made with PostgreSQL's SQL)."""
    if not value.startswith(("postgresql://", "postgresql+")):
        raise argparse.ArgumentTypeError("a postgresql://user:password@host/database URL is needed")
    return value


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    top = argparse.ArgumentParser(prog="python -m grading", description=__doc__.splitlines()[0])
    top.add_argument("--course-dir", type=Path, default=course.DEFAULT_COURSE_DIR,
                     help="nbgrader course directory (default: course/ in the repository)")
    sub = top.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="generate the student versions and a zip per assignment")
    rel.add_argument("--db-url", help="gradebook URL, e.g. postgresql://user:pw@host/gradebook (default: SQLite)")
    grade = sub.add_parser("autograde", help="grade a folder or LMS zip of submissions")
    grade.add_argument("submissions", type=Path,
                       help="<student>/<assignment>/exercises.ipynb folder or a zip of it, or a Canvas or Moodle zip")
    grade.add_argument("--assignment", choices=course.assignments(),
                       help="only this assignment; for a Canvas or Moodle download, the one it is for "
                            "(default: inferred from its notebooks)")
    grade.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    grade.add_argument("--timeout", type=int, default=30, help="seconds allowed per cell")
    grade.add_argument("--kernel", choices=KERNELS, default="warm", help="warm forked kernels or a fresh interpreter per notebook")
    grade.add_argument("--memory-mb", type=int, default=4096, help="address-space limit per kernel")
    grade.add_argument("--scratch-mb", type=int, default=sandbox.SCRATCH_MB,
                       help="size of each kernel's scratch (its /tmp, /dev/shm and working copy together)")
    sub.add_parser("feedback", help="HTML feedback per student (nbgrader generate_feedback)")
    sub.add_parser("export", help="grades for an LMS (nbgrader export)")
    sub.add_parser("report", help="score and pass-rate plots in reports/index.html")
    dem = sub.add_parser("demo", help="the whole pipeline on a built-in synthetic class")
    dem.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ben = sub.add_parser("bench", help="stock nbgrader versus ours on the same synthetic class")
    ben.add_argument("--students", type=int, default=10)
    ben.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ben.add_argument("--db-url", type=postgres_url,
                     help="a PostgreSQL server, e.g. postgresql://user:pw@host/db (its user may create databases): "
                          "grade the class with ours on SQLite and on a scratch database there, instead of stock")
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit status 0 unless the grading itself failed."""
    args = parser().parse_args(argv)
    course_dir = args.course_dir.resolve()
    if args.command == "release":
        try:
            paths = release(course_dir, args.db_url)
        except GradebookUnreachable as exc:
            raise SystemExit(f"error: {exc}") from None
        for path in paths:
            print(path)
    elif args.command == "autograde":
        settings = Settings(jobs=args.jobs, timeout=args.timeout, kernel=args.kernel, memory_mb=args.memory_mb,
                            scratch_mb=args.scratch_mb)
        try:
            rows = autograde(course_dir, args.submissions.resolve(), settings, args.assignment)
        except (AssignmentUnknown, GradebookUnreachable) as exc:
            raise SystemExit(f"error: {exc}") from None
        print(summary(rows))
        print(f"wrote {course_dir / 'reports' / 'grades.csv'} and questions.csv")
    elif args.command == "feedback":
        print(feedback(course_dir))
    elif args.command == "export":
        print(export(course_dir))
    elif args.command == "report":
        print(write_report(course_dir / "reports"))
    elif args.command == "demo":
        demo(course_dir, args.jobs)
    elif args.command == "bench":
        try:
            bench(args.students, args.jobs, args.db_url)
        except GradebookUnreachable as exc:
            raise SystemExit(f"error: {exc}") from None
    return 0
