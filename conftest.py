"""pytest configuration shared by the notebook (nbval) and unit tests."""
import gc
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent

# Kernels started by nbval inherit this environment: the exercise notebooks import the
# student-facing checks (grading/student) and, in hidden tests, the `grading` package. Every process the tests
# start finds tests/startup/sitecustomize.py first (what it leaves unloaded, and why, is said there).
STARTUP = ROOT / "tests" / "startup"
_paths = [str(STARTUP), str(ROOT), str(ROOT / "grading" / "student")]
_old = os.environ.get("PYTHONPATH")
os.environ["PYTHONPATH"] = os.pathsep.join(_paths + ([_old] if _old else []))
# Unit tests import the student-facing checks directly, as the notebooks do.
sys.path.insert(0, str(ROOT / "grading" / "student"))

from grading.sandbox.kernelspecs import ONE_THREAD  # noqa: E402  (after the paths above)

# One thread per process, as in grading kernels: the xdist workers already use every core, and torch's OpenMP
# threads spin-wait when they share one (nbval's kernels and the stock nbgrader ones inherit this; every stored
# output is the same with one thread).
os.environ.update(ONE_THREAD)

# The quick tier (`pytest -m quick`, under a minute): unit tests, the linters and type check, the
# status tests (one small class graded end to end through `python -m grading autograde`), the
# failure messages, and the first lecture and exercise notebooks under nbval.
QUICK = {"tests/test_lint.py", "tests/test_tables.py", "tests/test_feedback_filter.py", "tests/test_scan.py",
         "tests/test_pins.py", "tests/test_settings.py", "tests/test_status.py", "tests/test_failure_messages.py",
         "notebooks/01_parameter_access.ipynb", "solutions/01_parameter_access/exercises.ipynb"}


# The slowest scopes (an xdist work unit: a test class, or a module's functions), slowest first: xdist hands them
# out in this order (pyproject's --no-loadscope-reorder), so the two workers do not end with one of them left on a
# long class while the other idles. Measured with --durations; everything else follows in collection order.
SLOWEST_FIRST = ["tests/test_corpus.py::TestCorpus", "tests/test_postgres.py", "tests/test_dask.py",
                 "tests/test_hostile.py", "tests/test_instructor.py::TestDemo", "tests/test_release.py::TestRelease",
                 "tests/test_browser_student.py", "tests/test_browser_instructor.py", "tests/test_outputs.py",
                 "tests/test_i18n_grading.py", "tests/test_repair.py", "tests/test_cli.py", "tests/test_instructor.py",
                 "tests/test_lms.py"]


# Scopes that share a fixture are handed out as one work unit (the scope on the left with the one on the right), so
# that the fixture is made once: a session fixture of tests/conftest.py, or a module fixture that a module's class
# and its functions share (run apart, with another module in between, pytest tears it down and makes it again).
SAME_WORKER = {"tests/test_dask.py": "tests/test_postgres.py",
               "tests/test_release.py": "tests/test_release.py::TestRelease"}


def scope(nodeid: str) -> str:
    """xdist's loadscope work unit of a test: its class, or its module for a function (:data:`SAME_WORKER` applied)."""
    module, _, rest = nodeid.partition("::")
    found = f"{module}::{rest.split('::')[0]}" if "::" in rest else module
    return SAME_WORKER.get(found, found)


def pytest_configure(config: pytest.Config) -> None:
    """A plain ``pytest`` also runs the Chinese edition's lectures under strict nbval: the controller generates the
    edition into the git-ignored build/zh/ (``python -m grading translate``), and every process adds its lectures
    to testpaths. Not its exercise solutions: their code cells and stored outputs are the English ones
    (tests/test_i18n.py), which run here in the same environment; the lectures draw their plots in Chinese."""
    if config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return
    from grading import i18n
    if i18n.stale("zh"):
        return  # tests/test_i18n.py says which cell is stale; a stale edition is not run
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist); workers find it made
        i18n.generate("zh")
    config.args.append(str((i18n.BUILD / "zh" / "notebooks").relative_to(ROOT)))


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than cores. About a sixth of the suite's wall time is spent waiting (browsers,
    servers, a rerun after a restart) with one core idle; a third worker fills it (measured: 419 s -> 399 s on 2
    cores). Every grading kernel and test process computes on one thread (:data:`ONE_THREAD`), so three workers on
    two cores share them rather than spin."""
    return (os.cpu_count() or 1) + 1


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """xdist's loadscope, except that the scopes in :data:`SAME_WORKER` go to one worker together."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedScopes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid)

    return SharedScopes(config, log)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection imported (torch, nbgrader, every test module) lives to the end of the process: frozen, the
    garbage collector stops walking it at every full collection (measured: about 7 CPU-s over the four pytest
    processes of a run)."""
    gc.freeze()


def pytest_collection_modifyitems(items: list) -> None:
    """Mark the quick tier's tests ``quick``; put the slowest scopes first (:data:`SLOWEST_FIRST`)."""
    for item in items:
        if Path(item.path).resolve().relative_to(ROOT).as_posix() in QUICK:
            item.add_marker("quick")
    rank = {name: k for k, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(scope(item.nodeid), len(rank)))  # stable: a scope's tests stay in order
