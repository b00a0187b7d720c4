"""A Dask worker that grades: its own warm fork server and sandbox for its whole life, one submission per task.

:class:`GradingPlugin` is set up once in each worker (and again in a worker that replaces a dead one): a scratch
course directory, and the kernel provider a local run uses, with the command's limits. :func:`grade_task` runs
nbgrader's Autograde against that scratch course up to its Execute step (:class:`grading.pipeline.split.ExecuteOnly`),
the assignment's definition rebuilt from the task in a scratch SQLite gradebook, and returns a
:class:`grading.cluster.tasks.Result` as JSON bytes. Student code runs only in the sandboxed kernel, as in a local
run; the worker never connects to the course's gradebook and writes nothing outside its scratch folder.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, cast

from distributed import WorkerPlugin, get_worker
from nbgrader.api import Gradebook

from .. import course, pins
from ..pipeline import fastpath
from ..pipeline.split import ExecuteOnly
from ..pipeline.workers import autograde_here, kernels
from ..sandbox import confine
from ..sandbox.kernelspecs import FreshKernels, launching_here
from ..settings import Settings
from ..status import Outcome, Status
from .tasks import MAX_RESULT_BYTES, Result, Task, build_gradebook, digest

PLUGIN = "grading"


class GradingPlugin(WorkerPlugin):
    """A worker's grading equipment: a scratch course and a warm fork server (or fresh kernels), with the limits of
    the command that registered it (registering again, as each run does, replaces it)."""

    def __init__(self, settings: Settings, preload: list[str] | None = None, tests: list[str] | None = None) -> None:
        self.settings = settings
        self.preload = preload or []  # what the fork server imports besides its base, for this run's assignments
        self.tests = tests or []      # the code of their test cells, which the worker judges (judge.prepare)
        self.dir: Path | None = None
        self.provider: FreshKernels | None = None
        self.ready = False
        self.definitions: dict[str, str] = {}  # assignment -> digest of its definition in the scratch gradebook

    def setup(self, worker: Any) -> None:
        """Make the scratch course and start the kernel provider (its preloading overlaps the first tasks' start)."""
        pins.check()  # refuse stale internals before any kernel starts, as a local run does
        self.dir = Path(tempfile.mkdtemp(prefix="grading-worker-"))
        scratch = course.prepare(self.dir / "course")
        confined = confine.probe()
        env = dict(course.kernel_env(scratch), **self.settings.kernel_env(),
                   **{confine.ENV_REQUIRED: str(int(confined.confined))})
        self.provider = kernels(self.settings.kernel, env, self.preload).__enter__()
        os.environ.update(self.provider.env())
        launching_here()
        os.chdir(scratch)  # nbgrader reads nbgrader_config.py from the working directory
        fastpath.install()
        from ..pipeline import judge  # torch: imported by the workers that judge, not by the scheduler or the client
        judge.prepare(self.tests)
        with Gradebook(course.default_db_url(scratch), course.COURSE_ID):
            pass  # nbgrader makes the scratch gradebook (seconds, once) while the fork server preloads
        print(f"[grading] {self.settings.kernel} kernels, sandbox: {confined}", file=sys.stderr)

    def teardown(self, worker: Any) -> None:
        """Stop the fork server (its kernels end with it) and remove the scratch folder."""
        if self.provider is not None:
            self.provider.__exit__()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def grade(self, task: Task) -> Result:
        """Sanitise and execute one submission in the scratch course; nothing of it stays there after."""
        assert self.provider is not None and self.dir is not None, "the plugin was not set up"
        if not self.ready:
            self.provider.wait_ready()
            self.ready = True
        scratch = Path.cwd()
        db_url = course.default_db_url(scratch)  # made at setup (nbgrader makes a new gradebook in seconds)
        made = digest(task.definition)
        if self.definitions.get(task.assignment) != made:
            build_gradebook(db_url, task.definition)
            self.definitions[task.assignment] = made
        submitted = course.notebook(scratch, "submitted", task.assignment, task.student)
        submitted.parent.mkdir(parents=True, exist_ok=True)
        submitted.write_text(task.notebook)
        try:
            ended, flags, log = autograde_here(task.assignment, task.student,
                                               [*self.settings.nbgrader_args(),
                                                f"--Execute.kernel_name={self.provider.name}",
                                                f"--CourseDirectory.db_url={db_url}"], ExecuteOnly)
            executed = course.notebook(scratch, "autograded", task.assignment, task.student)
            notebook = executed.read_text() if executed.exists() else None
            logged = log.read_bytes().decode(errors="replace") if log.exists() else ""  # cut to 1 MiB already
            return Result(task.student, task.assignment, ended, flags, notebook, logged)
        finally:
            for step in ("submitted", "autograded"):
                shutil.rmtree(scratch / step / task.student, ignore_errors=True)
            shutil.rmtree(scratch / "reports" / "logs", ignore_errors=True)


def grade_task(task: bytes) -> bytes:
    """The Dask task: grade one submission (JSON bytes in) on this worker, return its result as JSON bytes."""
    plugin = cast(GradingPlugin, get_worker().plugins[PLUGIN])
    parsed = Task.from_json(task)
    data = plugin.grade(parsed).to_json()
    if len(data) > MAX_RESULT_BYTES:
        too_big = Outcome(Status.ERROR, f"its graded notebook was over {MAX_RESULT_BYTES // 2**20} MiB")
        data = Result(parsed.student, parsed.assignment, too_big, [], None, "").to_json()
    return data
