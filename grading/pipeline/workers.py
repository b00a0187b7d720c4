"""Grading a class in parallel with nbgrader: N worker processes, one submission at a time each.

Each worker runs nbgrader's own ``AutogradeApp`` in-process for one student and assignment
(so nbgrader's start-up is paid once, not once per notebook, and :mod:`grading.pipeline.fastpath`
removes its other per-notebook overheads), with the notebook's kernel of the configured
kind: ``warm`` (forked from a pristine parent that has imported torch, see :mod:`grading.sandbox`)
or ``fresh`` (a new interpreter per notebook); both limited and sandboxed by
:mod:`grading.sandbox.kernel`. Workers are forked from this process, which has imported nbgrader
while the fork server imports torch. Gradebook writes from several workers go through
SQLite's own locking with a generous busy timeout.
"""
from __future__ import annotations

import ctypes
import logging
import os
import re
import signal
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Iterator

import nbformat
from nbgrader.apps.autogradeapp import AutogradeApp
from tqdm import tqdm

from .. import course
from . import execute, fastpath
from ..sandbox import channel, confine, warden
from ..sandbox.kernelspecs import FreshKernels, WarmKernels
from ..sandbox.protocol import ENV_MEMORY

KERNELS = ("warm", "fresh")
# How nbgrader logs a failed gradebook access: SQLAlchemy's exception, or nbgrader's own wrapper of it.
GRADEBOOK_ERROR = re.compile(r"(?:sqlalchemy\.exc\.\w+|nbgrader\.api\.InvalidEntry): ([^\n]+)")
PR_SET_PDEATHSIG = 1


@dataclass
class Graded:
    """The outcome of grading one submission (before scores are read from the gradebook)."""

    student: str
    assignment: str
    status: str
    detail: str = ""
    flags: list[str] = field(default_factory=list)  # what the graded notebook tells the instructor


def busy_timeout(db_url: str) -> str:
    """An SQLite URL that waits for a lock instead of failing (other URLs unchanged)."""
    if db_url.startswith("sqlite") and "?" not in db_url:
        return db_url + "?timeout=300"
    return db_url


def start_worker(course_dir: str, env: dict[str, str], parent: int) -> None:
    """Worker initialiser: dies with the command (a forked worker holds the fork server's stdin, whose
    closing stops the server); nbgrader reads nbgrader_config.py from the working directory."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(1)  # the command died before this line
    os.environ.update(env)
    os.chdir(course_dir)
    fastpath.install()


class LogTail(logging.Handler):
    """Keeps nbgrader's warning and error messages of one run, to explain a failure."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def grade_one(assignment: str, student: str, timeout: int, kernel_name: str, db_url: str) -> Graded:
    """Autograde one submission with nbgrader's AutogradeApp in this process."""
    tail = LogTail()
    app = AutogradeApp()
    handle, report = tempfile.mkstemp(prefix="kernel-report-")  # the kernel's warden appends to it
    os.close(handle)
    os.environ[warden.ENV_REPORT] = report
    try:
        app.initialize([assignment, f"--student={student}", "--force", "--log-level=ERROR",
                        f"--Execute.timeout={timeout}", f"--Execute.kernel_name={kernel_name}",
                        f"--CourseDirectory.db_url={db_url}"])
        app.log.addHandler(tail)  # after initialize, which reconfigures the app's logging
        app.start()
        failed = None
    except BaseException as exc:  # nbgrader ends a failed conversion with SystemExit
        failed = f"{type(exc).__name__}: {exc}"
    finally:
        app.log.removeHandler(tail)
        del os.environ[warden.ENV_REPORT]
    flags = warden.flags(Path(report))
    os.unlink(report)
    path = course.notebook(Path.cwd(), "autograded", assignment, student)
    nb = nbformat.read(path, as_version=4) if path.exists() else None  # read once, here in the worker
    flags += execute.flags(nb.cells) if nb is not None else []
    return Graded(student, assignment, *status_of(nb, failed, tail.lines), flags)


def status_of(nb: nbformat.NotebookNode | None, failed: str | None, log: list[str]) -> tuple[str, str]:
    """A clear status from nbgrader's log and the autograded notebook's error outputs (None: no notebook)."""
    text = " ".join(log + [failed or ""])
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return "kernel_died", "the kernel exited or crashed while running the notebook"
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"] if nb else []
    names = {o.get("ename") for o in errors}
    if "Timeout waiting for IOPub output" in text:
        return "output_limit", (f"a cell's output stopped arriving: one over {channel.MAX_MESSAGE_BYTES // 2**20} MiB "
                                "is refused unread (or the machine was too busy to pass it on)")
    if "CellTimeoutError" in text or "timed out" in text or names & {"KeyboardInterrupt", "CellTimeoutError"}:
        return "timeout", "a cell ran longer than the time limit"
    if "MemoryError" in names or any("can't allocate memory" in o.get("evalue", "") or "DefaultCPUAllocator" in
                                     o.get("evalue", "") for o in errors):
        return "memory_limit", "the notebook tried to use more memory than allowed"
    database = GRADEBOOK_ERROR.search(text) if failed is not None else None
    if database:  # e.g. its server restarted: nothing wrong with the submission
        return "error", f"not graded, the gradebook failed: {database.group(1)[:160]}; run autograde again"
    if failed is not None or nb is None:
        return "error", (log[-1] if log else failed or "nbgrader failed")[:200]
    return "ok", ""


@dataclass
class Settings:
    """How to run the kernels of one grading run."""

    jobs: int
    timeout: int
    kernel: str = "warm"
    memory_mb: int = 4096
    scratch_mb: int = confine.SCRATCH_MB


def kernels(kind: str, env: dict[str, str]) -> FreshKernels:
    """The kernel provider for a run: a warm fork server, or a new interpreter per notebook."""
    return WarmKernels(env) if kind == "warm" else FreshKernels(env)


def grade_all(course_dir: Path, pairs: list[tuple[str, str]], settings: Settings, db_url: str) -> Iterator[Graded]:
    """Grade every (student, assignment) pair, ``settings.jobs`` at a time, yielding results as they finish."""
    with ExitStack() as stack:
        confined = confine.probe()
        env = dict(course.kernel_env(course_dir), **{ENV_MEMORY: str(settings.memory_mb),
                                                     confine.ENV_SCRATCH: str(settings.scratch_mb),
                                                     confine.ENV_REQUIRED: str(int(not confined.startswith("unconfined")))})
        provider = stack.enter_context(kernels(settings.kernel, env))
        print(f"[grading] {settings.kernel} kernels, sandbox: {confined}", file=sys.stderr)
        env, kernel_name = provider.env(), provider.name
        # Forked at the first submit (this process has no thread), the workers start with nbgrader imported.
        pool = stack.enter_context(ProcessPoolExecutor(
            max_workers=settings.jobs, mp_context=get_context("fork"), initializer=start_worker,
            initargs=(str(course_dir), env, os.getpid())))
        provider.wait_ready()
        futures = {pool.submit(grade_one, a, s, settings.timeout, kernel_name, busy_timeout(db_url)): (s, a)
                   for s, a in pairs}
        for future in as_completed(futures):
            student, assignment = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # a worker that died: the submission is reported, the class goes on
                yield Graded(student, assignment, "error", f"grading worker failed: {type(exc).__name__}")


def progress(results: Iterator[Graded], total: int) -> Iterator[Graded]:
    """Wrap results in a tqdm bar showing done/total, failures and the ETA."""
    failures = 0
    tqdm.monitor_interval = 0  # no monitor thread: grading workers are forked from this process
    with tqdm(total=total, unit="notebook", desc="grading", file=sys.stderr) as bar:
        for result in results:
            failures += result.status != "ok"
            bar.set_postfix(failures=failures)
            bar.update()
            yield result
