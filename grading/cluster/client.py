"""Grading a class on a Dask cluster, with this command as the only writer of the course's gradebook and files.

``--scheduler local:N`` starts a local cluster of N worker processes (one thread each); ``--scheduler
tcp://HOST:PORT`` uses a running one. Each submission is one task (:mod:`grading.cluster.worker`); as results
arrive, one recorder process forked from this command records each into the course (:func:`record`), so every
gradebook write and file of the course comes from here, through nbgrader, as in a local run.

Faults: a task whose worker dies is run again on another worker once (the scheduler's ``allowed-failures``, set to
1 for a local cluster: set it on your own scheduler too, see README); after a second death, or if a task raises
twice (``retries=1``), its row is ``error`` with the reason and the class goes on. At the end of a run, Ctrl-C
included, every task is cancelled and every worker's plugin torn down: its fork server stops, its kernels end with
it (a notebook still being graded there too) and its scratch course is removed. Submissions already
graded with the same content are skipped (:mod:`grading.cluster.ledger`).
"""
from __future__ import annotations

import gc
import logging
import os
import re
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import dask
from distributed import Client, LocalCluster, as_completed
from distributed.scheduler import KilledWorker
from distributed.utils import get_mp_context
from tqdm import tqdm

from .. import course, pins
from ..pipeline import workers
from ..pipeline.split import Replay
from ..pipeline.workers import Graded, autograde_here, busy_timeout, judged, start_worker
from ..settings import Settings
from ..status import Status
from .ledger import Ledger, fingerprint
from .tasks import Refused, Result, Task, definition
from .worker import PLUGIN, GradingPlugin, grade_task

LOCAL = re.compile(r"local:(\d+)")
# A local cluster's scheduler: a task lost with its worker runs once more, then fails with KilledWorker; a worker
# holds one task at a time, so a worker's death never counts against a task it had not started. Its workers are
# forked from one multiprocessing fork server that has imported what a grading worker imports (WORKER_PRELOAD),
# rather than each a new interpreter importing it all again (spawn): a worker started, or restarted after it died,
# costs about 4 CPU-s less.
FAULTS = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0,
          "distributed.worker.multiprocessing-method": "forkserver"}
WORKER_PRELOAD = ["distributed", "grading.cluster.worker", "grading.pipeline.judge"]  # judge: torch


@contextmanager
def connect(scheduler: str) -> Iterator[Client]:
    """A client of the cluster ``scheduler`` names: ``local:N`` (started here, closed after) or a scheduler address."""
    local = LOCAL.fullmatch(scheduler)
    if local is None:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with dask.config.set(FAULTS):  # for the cluster's whole life: a nanny reads it again to restart a worker
        get_mp_context().set_forkserver_preload(WORKER_PRELOAD)  # after Dask's own first call, which sets its list
        cluster = LocalCluster(n_workers=int(local.group(1)), processes=True, threads_per_worker=1,
                               memory_limit=0,  # kernels carry their own memory limit
                               dashboard_address=None, silence_logs=logging.ERROR)  # rows say what went wrong
        with cluster, Client(cluster) as client:
            yield client


def record(student: str, assignment: str, data: bytes, db_url: str) -> Graded:
    """In the recorder (working directory: the course): check a worker's result and record it with nbgrader's
    Autograde, the worker's executed notebook standing in for the Execute step; its log goes first in the log."""
    try:
        result = Result.parse(data, Task(student, assignment, "", {}))
    except Refused as exc:
        return Graded(student, assignment, Status.ERROR, f"the grading worker's result was refused: {exc}")
    ended, flags, log = autograde_here(assignment, student, [f"--CourseDirectory.db_url={busy_timeout(db_url)}"],
                                       partial(Replay, result.notebook, result.ended))
    if result.log:
        own = log.read_bytes() if log.exists() else b""
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_bytes(result.log.encode() + own)
    return judged(assignment, student, ended, result.flags + flags, log)


def tear_down(client: Client) -> None:
    """Tear down every worker's plugin; a worker that died or restarted meanwhile (Ctrl-C reaches a local
    cluster's workers too) has none, and a lost connection leaves nothing to do."""
    with suppress(KeyError, OSError):
        client.unregister_worker_plugin(PLUGIN)


def failed(student: str, assignment: str, exc: BaseException) -> Graded:
    """The row of a submission whose task failed on the cluster (not the student's doing: run autograde again)."""
    if isinstance(exc, KilledWorker):
        reason = "its grading worker died twice while grading it; run autograde again"
    else:
        reason = f"grading worker failed: {type(exc).__name__}: {str(exc)[:160]}"
    return Graded(student, assignment, Status.ERROR, reason)


def grade_on_cluster(course_dir: Path, pairs: list[tuple[str, str]], settings: Settings, db_url: str,
                     scheduler: str) -> Iterator[Graded]:
    """Grade every (student, assignment) pair on the cluster ``scheduler`` names, yielding results as recorded."""
    pins.check()  # before any worker starts: refuse if a needed override is stale
    definitions = {assignment: definition(db_url, assignment) for assignment in sorted({a for _, a in pairs})}
    ledger = Ledger(course_dir)
    todo: dict[tuple[str, str], tuple[Task, str]] = {}
    for student, assignment in pairs:
        notebook = course.notebook(course_dir, "submitted", assignment, student).read_text()
        key = fingerprint(notebook, definitions[assignment], settings)
        done = ledger.done(student, assignment, key)
        if done is None:
            todo[(student, assignment)] = Task(student, assignment, notebook, definitions[assignment]), key
        else:
            yield done
    if len(todo) < len(pairs):
        tqdm.write(f"[grading] {len(pairs) - len(todo)} submission(s) graded before with the same content: kept",
                   file=sys.stderr)
    if not todo:
        return
    with ExitStack() as stack:
        recorder = stack.enter_context(ProcessPoolExecutor(
            max_workers=1, mp_context=get_context("fork"), initializer=start_worker,
            initargs=(str(course_dir), {}, os.getpid())))
        gc.freeze()  # the recorder's garbage collector leaves what it inherits alone (grading/pipeline/workers.py)
        recorder.submit(os.getpid).result()  # forked now, while this process has no thread (Dask starts some)
        client = stack.enter_context(connect(scheduler))
        client.register_plugin(GradingPlugin(settings, workers.preload_for(course_dir, definitions),
                                            workers.code_of_test_cells(course_dir, definitions)), name=PLUGIN)
        # at the end, even of a cluster that lives on: every worker stops its fork server (its kernels end with it)
        # and removes its scratch course; a local cluster would kill its workers before they had done so
        stack.callback(tear_down, client)
        tqdm.write(f"[grading] on {scheduler}: {len(client.scheduler_info()['workers'])} worker(s), "
                   f"{settings.kernel} kernels", file=sys.stderr)
        futures = {client.submit(grade_task, task.to_json(), key=f"grade-{student}-{assignment}-{key}",
                                 retries=1, pure=False): (student, assignment)
                   for (student, assignment), (task, key) in todo.items()}
        stack.callback(client.cancel, list(futures))  # Ctrl-C, or any failure here: nothing goes on running
        for future in as_completed(futures):
            student, assignment = futures[future]
            try:
                data = future.result()
            except Exception as exc:  # a worker that died twice, or a task that raised twice
                yield failed(student, assignment, exc)
                continue
            graded = recorder.submit(record, student, assignment, data, db_url).result()
            ledger.add(graded, todo[(student, assignment)][1])
            yield graded
