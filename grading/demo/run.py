"""The demo (the whole pipeline on a synthetic class) and the benchmark (stock nbgrader against ours)."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from .. import course
from ..gradebook import cell_scores, scratch_database, shown
from ..intake.collect import collect
from ..pipeline.commands import autograde, db_url_of, feedback, release, summary
from ..sandbox import confine
from ..settings import Settings
from .classes import build_bench_class, build_demo_class


class ScoresDiffer(RuntimeError):
    """The benchmark's two gradings of one class gave some submission different scores."""


def demo(course_dir: Path, settings: Settings, assignments: list[str] | None = None) -> None:
    """Release, a synthetic class with every kind of bad input (in every assignment, or only ``assignments``),
    autograde, feedback, report."""
    start = time.monotonic()
    release(course_dir)
    submissions = course_dir / "demo_submissions"
    shutil.rmtree(submissions, ignore_errors=True)
    sandbox = confine.probe()
    roles = build_demo_class(course_dir / "release", assignments or course.assignments(), submissions,
                             vandal=sandbox.confined)
    print("demo class:", ", ".join(f"{s} ({r})" for s, r in roles.items()))
    if not sandbox.confined:
        print(f"no vandal in this demo: kernels cannot be sandboxed here ({sandbox.how})")
    rows = autograde(course_dir, submissions, settings)
    feedback(course_dir)
    from ..reports.plots import write_report  # matplotlib: imported only where a report is drawn
    index = write_report(course_dir / "reports")
    print(summary(rows))
    print(f"done in {time.monotonic() - start:.0f} s. Look at:\n  {course_dir / 'reports' / 'grades.csv'}\n"
          f"  {index}\n  {course_dir / 'feedback'}")


def bench(students: int, settings: Settings, db_url: str | None = None, assignment: str | None = None,
          scheduler: str | None = None) -> None:
    """Grade one class by stock nbgrader and ours (or, given db_url, ours on SQLite and on PostgreSQL; given
    scheduler, ours with --jobs and on that Dask cluster) with ``settings``, in every assignment or only
    ``assignment``; compare."""
    assignments = [assignment] if assignment else course.assignments()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        base_dir, ours_dir, class_dir = Path(tmp) / "base", Path(tmp) / "ours", Path(tmp) / "class"
        server = stack.enter_context(scratch_database(db_url)) if db_url else None
        release(base_dir)
        if server is None:  # the same release on SQLite
            course.copy(base_dir, ours_dir)
        else:
            release(ours_dir, server)
        build_bench_class(base_dir / "release", assignments, class_dir, students)
        start = time.monotonic()
        if server is None and scheduler is None:
            collect(class_dir, base_dir, course.assignments())
            for each in assignments:
                course.nbgrader(base_dir, "autograde", each, "--force")
        else:
            autograde(base_dir, class_dir, settings)
        base = time.monotonic() - start
        start = time.monotonic()
        rows = autograde(ours_dir, class_dir, settings, scheduler=scheduler)
        ours = time.monotonic() - start
        differ = [(r.student, r.assignment) for r in rows
                  if cell_scores(db_url_of(base_dir), r.assignment, r.student)
                  != cell_scores(db_url_of(ours_dir), r.assignment, r.student)]
        n = len(rows)
        print(f"{n} notebooks, {settings.jobs} jobs, {os.cpu_count()} cores")
        if scheduler is not None:
            print(f"python -m grading autograde --jobs {settings.jobs}: {base:7.1f} s  {base / n:.2f} s/notebook")
            print(f"python -m grading autograde --scheduler {scheduler}: {ours:7.1f} s  {ours / n:.2f} s/notebook")
            print(f"Dask/local time: {ours / base:.2f}; scores identical: {not differ}")
        elif db_url is None:
            print(f"stock nbgrader autograde (serial): {base:7.1f} s  {base / n:.2f} s/notebook")
            print(f"python -m grading autograde:       {ours:7.1f} s  {ours / n:.2f} s/notebook")
            print(f"ratio: {base / ours:.1f}x faster; scores identical: {not differ}")
        else:
            print(f"python -m grading autograde, SQLite gradebook:     {base:7.1f} s  {base / n:.2f} s/notebook")
            print(f"python -m grading autograde, PostgreSQL gradebook: {ours:7.1f} s  {ours / n:.2f} s/notebook"
                  f"  (a scratch database on {shown(db_url)}, dropped after)")
            print(f"PostgreSQL/SQLite time: {ours / base:.2f}; scores identical: {not differ}")
        if differ:
            raise ScoresDiffer(f"scores differ for {differ}")
