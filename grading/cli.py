"""The instructor's command line: ``python -m grading release|autograde|feedback|export|report|demo|bench|translate``.

Each command wraps nbgrader on an ordinary nbgrader course directory (default: ``course/``
in the repository), so nbgrader's own commands and formgrader work on it too. ``--course-dir``
goes before or after the command (``python -m grading release --course-dir DIR``, nbgrader's habit).

Exit status: 0 when the command did its work (for ``autograde``: every submission has its row in
grades.csv, whatever its status: a student's timeout, or ``error`` for one the grader could not
grade, whose row says to grade it again); 1 when the command failed (the gradebook cannot be
reached, nbgrader failed, bench's scores differ); 2 when the command line is wrong (argparse's own
usage errors, a download whose assignment cannot be told). A failure is one line on stderr,
``error: ...``, without a traceback.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from . import course, i18n
from .course import NbgraderFailed
from .demo.run import ScoresDiffer, bench, demo
from .gradebook import GradebookUnreachable
from .intake.lms import AssignmentUnknown
from .pipeline.commands import autograde, export, feedback, release, summary
from .settings import Settings

OK, FAILED, USAGE = 0, 1, 2
SCHEDULER_HELP = ("grade on a Dask cluster: local:N starts N local worker processes, tcp://HOST:PORT uses a running "
                  "scheduler (default: --jobs worker processes here)")
# What the commands raise for a reason the instructor can act on, and the exit status it means.
EXPECTED: dict[type[Exception], int] = {GradebookUnreachable: FAILED, NbgraderFailed: FAILED,
                                        ScoresDiffer: FAILED, AssignmentUnknown: USAGE,
                                        i18n.StaleTranslation: FAILED}


class CommandError(Exception):
    """A failure the instructor is told in one line, ``error: MESSAGE`` on stderr, with the exit status it
    carries (as click's ``ClickException``)."""

    def __init__(self, message: str, exit_code: int = FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self) -> None:
        """Print the message for the instructor, nothing else."""
        print(f"error: {self}", file=sys.stderr)


def postgres_url(value: str) -> str:
    """The type of bench's --db-url: a PostgreSQL URL (the scratch database is made with PostgreSQL's SQL)."""
    if not value.startswith(("postgresql://", "postgresql+")):
        raise argparse.ArgumentTypeError("a postgresql://user:password@host/database URL is needed")
    return value


def scheduler(value: str) -> str:
    """The type of --scheduler: ``local:N`` (N at least 1) or a Dask scheduler's address (``tcp://HOST:PORT``)."""
    if re.fullmatch(r"local:[1-9]\d*|(tcp|tls)://\S+", value) is None:
        raise argparse.ArgumentTypeError("local:N (a local cluster of N workers) or tcp://HOST:PORT is needed")
    return value


def existing(value: str) -> Path:
    """The type of autograde's submissions: a file or folder that exists."""
    path = Path(value)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file or folder: {value}")
    return path


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    course_dir_help = "nbgrader course directory (default: course/ in the repository)"
    description, *_, exit_status = __doc__.replace("``", "").split("\n\n")
    top = argparse.ArgumentParser(prog="python -m grading", description=description, epilog=exit_status)
    top.add_argument("--course-dir", type=Path, default=course.DEFAULT_COURSE_DIR, help=course_dir_help)
    # the same option after the command; SUPPRESS: absent there, it leaves the value given before the command
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--course-dir", type=Path, default=argparse.SUPPRESS, help=course_dir_help)
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND",
                             help="what to do (python -m grading COMMAND --help says more)")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        """A subcommand's parser, which also takes --course-dir."""
        return sub.add_parser(name, parents=[after], help=help, description=help)

    rel = command("release", "generate the student versions and a zip per assignment")
    rel.add_argument("--db-url", help="gradebook URL, e.g. postgresql://user:pw@host/gradebook (default: SQLite)")
    rel.add_argument("--lang", nargs="+", default=["en"], choices=i18n.LANGUAGES, metavar="LANG",
                     help="the languages of the student versions: en (release/, always made) and zh (Simplified "
                          "Chinese, release-zh/); default: en")
    grade = command("autograde", "grade a folder or LMS zip of submissions")
    grade.add_argument("submissions", type=existing,
                       help="<student>/<assignment>/exercises.ipynb folder or a zip of it, or a Canvas or Moodle zip")
    grade.add_argument("--assignment", choices=course.assignments(),
                       help="only this assignment; for a Canvas or Moodle download, the one it is for "
                            "(default: inferred from its notebooks)")
    grade.add_argument("--scheduler", type=scheduler, help=SCHEDULER_HELP)
    Settings.add_arguments(grade)
    command("feedback", "HTML feedback per student (nbgrader generate_feedback)")
    command("export", "grades for an LMS (nbgrader export)")
    command("report", "score and pass-rate plots in reports/index.html")
    dem = command("demo", "the whole pipeline on a built-in synthetic class")
    dem.add_argument("--assignment", action="append", choices=course.assignments(), dest="assignments",
                     help="only this assignment; repeat for several (default: all)")
    Settings.add_arguments(dem, timeout=10)
    ben = command("bench", "stock nbgrader versus ours on the same synthetic class (in a temporary folder)")
    ben.add_argument("--students", type=int, default=10, help="students in the synthetic class (default: 10)")
    ben.add_argument("--assignment", choices=course.assignments(), help="only this assignment (default: all)")
    against = ben.add_mutually_exclusive_group()
    against.add_argument("--db-url", type=postgres_url,
                         help="a PostgreSQL server, e.g. postgresql://user:pw@host/db (its user may create databases): "
                              "grade the class with ours on SQLite and on a scratch database there, instead of stock")
    against.add_argument("--scheduler", type=scheduler,
                         help="grade the class with ours on --jobs and on this Dask cluster (e.g. local:2), "
                              "instead of stock")
    Settings.add_arguments(ben)
    tra = command("translate", "generate a translated edition of the lectures and exercises into build/LANG/")
    tra.add_argument("--lang", choices=[lang for lang in i18n.LANGUAGES if lang != "en"], default="zh",
                     help="the edition's language (default: zh, Simplified Chinese)")
    return top


def run(args: argparse.Namespace) -> None:
    """Run the parsed command, printing what it made."""
    course_dir = args.course_dir.resolve()
    if args.command == "release":
        for path in release(course_dir, args.db_url, tuple(lang for lang in args.lang if lang != "en")):
            print(path)
    elif args.command == "autograde":
        rows = autograde(course_dir, args.submissions.resolve(), Settings.from_args(args), args.assignment,
                         args.scheduler)
        print(summary(rows))
        print(f"wrote {course_dir / 'reports' / 'grades.csv'} and questions.csv")
    elif args.command == "feedback":
        print(feedback(course_dir))
    elif args.command == "export":
        print(export(course_dir))
    elif args.command == "report":
        from .reports.plots import write_report  # matplotlib: imported only where a report is drawn
        print(write_report(course_dir / "reports"))
    elif args.command == "demo":
        demo(course_dir, Settings.from_args(args), args.assignments)
    elif args.command == "bench":
        bench(args.students, Settings.from_args(args), args.db_url, args.assignment, args.scheduler)
    elif args.command == "translate":
        for path in i18n.generate(args.lang):
            print(path)


def command_error(exc: Exception) -> CommandError | None:
    """The :class:`CommandError` an exception of a command stands for (None: a bug, shown with its traceback)."""
    if isinstance(exc, CommandError):
        return exc
    code = next((code for kind, code in EXPECTED.items() if isinstance(exc, kind)), None)
    return None if code is None else CommandError(str(exc), code)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (the module's docstring): 0 done, 1 failed, 2 usage."""
    args = parser().parse_args(argv)  # a wrong command line exits here with argparse's message and status 2
    try:
        run(args)
    except Exception as exc:
        error = command_error(exc)
        if error is None:
            raise
        error.show()
        return error.exit_code
    return OK
