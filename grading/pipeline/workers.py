"""Grading a class in parallel with nbgrader: N worker processes, one submission at a time each.

Each worker runs nbgrader's own ``Autograde`` converter in-process for one student and assignment
(so nbgrader's start-up is paid once, not once per notebook, and :mod:`grading.pipeline.fastpath`
removes its other per-notebook overheads), with the notebook's kernel of the configured
kind: ``warm`` (forked from a pristine parent that has imported torch, see :mod:`grading.sandbox`)
or ``fresh`` (a new interpreter per notebook); both limited and sandboxed by
:mod:`grading.sandbox.kernel`. Workers are forked from this process, which has imported nbgrader,
and the judge while the fork server imports torch. Gradebook writes from several workers go through
SQLite's own locking with a generous busy timeout.

A submission's status is decided from data, never from log text: the exception that ended its
grading, kept by :class:`RecordingAutograde` before nbgrader logs it away (the Execute step's
:class:`grading.status.Ended`, a gradebook's ``SQLAlchemyError`` or ``InvalidEntry``), and the error
outputs of its autograded notebook (:func:`status_of`). nbgrader's log, and whatever the worker and
the notebook's kernel write to their stdout and stderr, go to the submission's log file
(:func:`log_path`), not to the instructor's terminal.
"""
from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat
from nbgrader.api import InvalidEntry
from nbgrader.apps.autogradeapp import AutogradeApp
from nbgrader.converters import Autograde
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from .. import course, pins
from ..sandbox import confine, forkserver, warden
from ..sandbox.kernelspecs import FreshKernels, WarmKernels, launching_here
from ..settings import Settings
from ..status import Ended, Outcome, Status
from . import execute, fastpath

LOGS = Path("reports", "logs")  # in the course directory: <assignment>/<student>.log
LOG_KEPT = 2**20  # bytes of a submission's log kept, its beginning and end (a kernel can write up to its file limit)
PR_SET_PDEATHSIG = 1


@dataclass
class Graded:
    """The outcome of grading one submission (before scores are read from the gradebook)."""

    student: str
    assignment: str
    status: Status
    detail: str = ""
    flags: list[str] = field(default_factory=list)  # what the graded notebook tells the instructor
    log: Path | None = None  # nbgrader's log of it, if it logged anything


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
    launching_here()
    os.chdir(course_dir)
    fastpath.install()


def log_path(course_dir: Path, assignment: str, student: str) -> Path:
    """Where nbgrader's log of one submission is kept (with what its kernel wrote to stdout and stderr)."""
    return course_dir / LOGS / assignment / f"{student}.log"


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr, and so nbgrader's log and the stdio of the kernels it starts, to
    ``path`` (removed again if nothing was written); a kernel's writes there are bounded by its file size limit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    try:
        os.dup2(log, 1)
        os.dup2(log, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (log, *saved):
            os.close(fd)
    size = path.stat().st_size
    if size == 0:
        path.unlink()
    elif size > LOG_KEPT:
        shorten_log(path, size)


def shorten_log(path: Path, size: int) -> None:
    """Keep the first and last half of :data:`LOG_KEPT` bytes of a log: a class of kernels writing to their stdout
    must not fill the course's disk, while nbgrader's messages (at the start and the end) stay."""
    with path.open("rb") as log:
        head = log.read(LOG_KEPT // 2)
        log.seek(size - LOG_KEPT // 2)
        tail = log.read()
    path.write_bytes(head + f"\n... {size - len(head) - len(tail)} bytes cut by the grader ...\n".encode() + tail)


class RecordingAutograde(Autograde):
    """nbgrader's Autograde converter that keeps, as an :class:`Outcome`, the exception that ended a submission:
    nbgrader's ``convert_notebooks`` logs it and raises a generic ``NbGraderException`` instead."""

    outcome: Outcome | None = None

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Keep the first exception raised inside as this submission's outcome; let it go on to nbgrader."""
        try:
            yield
        except Exception as exc:
            if self.outcome is None:
                self.outcome = outcome_of(exc)
            raise

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        with self.recording():  # the submission's first gradebook accesses
            super().init_assignment(assignment_id, student_id)

    def convert_single_notebook(self, notebook_filename: str) -> None:
        with self.recording():  # the Execute step, and the preprocessors that write scores to the gradebook
            super().convert_single_notebook(notebook_filename)


def outcome_of(exc: BaseException) -> Outcome:
    """What the exception that ended a submission's grading says about it: its type decides, never its text."""
    if isinstance(exc, Ended):
        return exc.outcome
    first = (str(exc).splitlines() or [""])[0]
    if isinstance(exc, (SQLAlchemyError, InvalidEntry)):  # e.g. its server restarted: nothing wrong with the submission
        return Outcome(Status.ERROR, f"not graded, the gradebook failed: {first[:160]}; run autograde again")
    return Outcome(Status.ERROR, f"{type(exc).__name__}: {first}"[:200])


def autograde_here(assignment: str, student: str, args: list[str],
                   converter: Callable[..., RecordingAutograde] = RecordingAutograde
                   ) -> tuple[Outcome | None, list[str], Path]:
    """Run nbgrader's Autograde ``converter`` for one submission in this process (the course directory is the working
    directory), logging to its log file; return how it ended (None: to the end), its kernel's warden's flags and the
    log's path."""
    app = AutogradeApp()
    handle, report = tempfile.mkstemp(prefix="kernel-report-")  # the kernel's warden appends to it
    os.close(handle)
    os.environ[warden.ENV_REPORT] = report
    log, outcome = log_path(Path.cwd(), assignment, student), None
    try:
        with output_to(log):
            app.initialize([f"--assignment={assignment}", f"--student={student}", "--force", "--log-level=ERROR",
                            *args])
            grader = converter(coursedir=app.coursedir, parent=app)
            try:
                grader.start()
            finally:
                outcome = grader.outcome
    except BaseException as exc:  # nbgrader ends a failed submission with NbGraderException
        outcome = outcome or outcome_of(exc)
    finally:
        del os.environ[warden.ENV_REPORT]
    flags = warden.flags(Path(report))
    os.unlink(report)
    return outcome, flags, log


def grade_one(assignment: str, student: str, nbgrader_args: list[str], kernel_name: str, db_url: str) -> Graded:
    """Autograde one submission with nbgrader's Autograde converter in this process, logging to its log file."""
    outcome, flags, log = autograde_here(assignment, student, [*nbgrader_args, f"--Execute.kernel_name={kernel_name}",
                                                               f"--CourseDirectory.db_url={db_url}"])
    return judged(assignment, student, outcome, flags, log)


def judged(assignment: str, student: str, outcome: Outcome | None, flags: list[str], log: Path) -> Graded:
    """A submission's outcome read from its autograded notebook in the course directory (the working directory)."""
    path = course.notebook(Path.cwd(), "autograded", assignment, student)
    nb = nbformat.read(path, as_version=4) if path.exists() else None  # read once, here in the worker
    flags = flags + (execute.flags(nb.cells) if nb is not None else [])
    verdict = status_of(nb, outcome)
    return Graded(student, assignment, verdict.status, verdict.reason, flags, log if log.exists() else None)


def status_of(nb: nbformat.NotebookNode | None, ended: Outcome | None) -> Outcome:
    """A clear status from how the notebook's run ended (None: it ran to the end) and its autograded notebook's
    error outputs (None: nbgrader wrote none)."""
    if ended is not None and ended.status in (Status.KERNEL_DIED, Status.OUTPUT_LIMIT, Status.TIMEOUT):
        return ended
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"] if nb else []
    names = {o.get("ename") for o in errors}
    if names & {"KeyboardInterrupt", "CellTimeoutError"}:
        return Outcome(Status.TIMEOUT)
    if "MemoryError" in names or any("can't allocate memory" in o.get("evalue", "") or "DefaultCPUAllocator" in
                                     o.get("evalue", "") for o in errors):
        return Outcome(Status.MEMORY_LIMIT)
    if ended is not None:
        return ended
    if nb is None:
        return Outcome(Status.ERROR, "nbgrader wrote no autograded notebook")
    return Outcome(Status.OK)


def kernels(kind: str, env: dict[str, str], preload: Sequence[str] = ()) -> FreshKernels:
    """The kernel provider for a run: a warm fork server that also preloads ``preload``, or a new interpreter per
    notebook."""
    return WarmKernels(env, preload) if kind == "warm" else FreshKernels(env)


def code_of_test_cells(course_dir: Path, assignments: Iterable[str]) -> list[str]:
    """The code of every autograded test cell of these assignments, from their source notebooks (only speed depends
    on it: nbgrader grades from the gradebook, so a missing source notebook is skipped)."""
    sources = []
    for assignment in sorted(set(assignments)):
        path = course.notebook(course_dir, "source", assignment)
        for cell in nbformat.read(path, as_version=4).cells if path.exists() else []:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                sources.append(cell.source)
    return sources


def preload_for(course_dir: Path, assignments: Iterable[str]) -> list[str]:
    """What a fork server grading these assignments preloads besides its base (from their source notebooks; one that
    is missing asks for nothing)."""
    paths = [course.notebook(course_dir, "source", a) for a in sorted(set(assignments))]
    return forkserver.wanted(path.read_text() for path in paths if path.exists())


def grade_all(course_dir: Path, pairs: list[tuple[str, str]], settings: Settings, db_url: str) -> Iterator[Graded]:
    """Grade every (student, assignment) pair, ``settings.jobs`` at a time, yielding results as they finish."""
    if not pairs:
        return  # nothing to grade: no fork server, no workers, no torch
    pins.check()  # before any kernel starts: refuse if a needed override is stale; say which fast paths are off
    with ExitStack() as stack:
        confined = confine.probe()
        env = dict(course.kernel_env(course_dir), **settings.kernel_env(),
                   **{confine.ENV_REQUIRED: str(int(confined.confined))})
        provider = stack.enter_context(kernels(settings.kernel, env, preload_for(course_dir, (a for _, a in pairs))))
        tqdm.write(f"[grading] {settings.kernel} kernels, sandbox: {confined}", file=sys.stderr)  # above the bar
        env, kernel_name = provider.env(), provider.name
        # Forked at the first submit (this process starts no Python thread), the workers start with nbgrader imported.
        pool = stack.enter_context(ProcessPoolExecutor(
            max_workers=settings.jobs, mp_context=get_context("fork"), initializer=start_worker,
            initargs=(str(course_dir), env, os.getpid())))
        # The judge (torch) is imported once, here while the fork server preloads, rather than by each worker: that
        # saves a worker's CPU second per run. One thread, as a worker importing it under ONE_THREAD would have.
        from . import judge
        judge.torch.set_num_threads(1)
        judge.prepare(code_of_test_cells(course_dir, (a for _, a in pairs)))
        provider.wait_ready()
        gc.freeze()  # the workers' garbage collector leaves what they inherit alone: no copy of the pages that hold it
        futures = {pool.submit(grade_one, a, s, settings.nbgrader_args(), kernel_name, busy_timeout(db_url)): (s, a)
                   for s, a in pairs}
        for future in as_completed(futures):
            student, assignment = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # a worker that died: the submission is reported, the class goes on
                yield Graded(student, assignment, Status.ERROR, f"grading worker failed: {type(exc).__name__}")


def progress(results: Iterator[Graded], total: int) -> Iterator[Graded]:
    """Wrap results in a tqdm bar showing done/total, failures and the ETA."""
    failures = 0
    tqdm.monitor_interval = 0  # no monitor thread: grading workers are forked from this process
    with tqdm(total=total, unit="notebook", desc="grading", file=sys.stderr) as bar:
        for result in results:
            failures += result.status != Status.OK
            bar.set_postfix(failures=failures)
            bar.update()
            yield result
