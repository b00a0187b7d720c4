"""The instructor's command line: ``python -m grading release|autograde|feedback|export|report|demo|bench``.

Each command wraps nbgrader on an ordinary nbgrader course directory (default: ``course/``
in the repository), so nbgrader's own commands and formgrader work on it too.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from . import course
from .demo.run import bench, demo
from .gradebook import GradebookUnreachable
from .intake.lms import AssignmentUnknown
from .pipeline.commands import autograde, export, feedback, release, summary
from .pipeline.workers import KERNELS, Settings
from .reports.plots import write_report
from .sandbox import confine


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
    grade.add_argument("--scratch-mb", type=int, default=confine.SCRATCH_MB,
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
