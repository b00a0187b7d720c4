"""The nbgrader course directory: its location, its configuration and its source copy.

The repository's ``solutions/<assignment>/exercises.ipynb`` are the only sources. A course
directory is an ordinary nbgrader one (``nbgrader_config.py``, ``source/``, ``release/``,
``submitted/``, ``autograded/``, ``feedback/``, the gradebook), so an instructor can run
nbgrader's own commands and formgrader in it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.apps import NbGraderAPI
from traitlets.config.loader import PyFileConfigLoader

from . import ROOT
from .sandbox import confine

SOLUTIONS = ROOT / "solutions"
STUDENT_FILES = ROOT / "grading" / "student"
HIDDEN_CHECKS = ROOT / "grading" / "hidden"
DEFAULT_COURSE_DIR = ROOT / "course"
COURSE_ID = "parameter-management"
NOTEBOOK = "exercises"

CONFIG = '''\
# nbgrader configuration written by `python -m grading`; nbgrader's own commands read it.
import os
import sys

c = get_config()  # noqa: F821 (provided by traitlets)
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
# The gradebook is an SQLite file here by default. For a large course, point nbgrader at
# PostgreSQL instead, e.g. "postgresql://user:password@host/gradebook".
c.CourseDirectory.db_url = {db_url!r}
# nbgrader's exchange (Formgrader's release and collect, the students' Assignment List) lives in the
# course directory, so Formgrader has one to use. If students on a shared JupyterHub fetch and submit
# through it, point it at a folder every user can write (mode 1777), e.g. "/srv/nbgrader/exchange".
c.Exchange.root = os.path.join({root!r}, "exchange")
os.makedirs(c.Exchange.root, exist_ok=True)
# Hidden test cells import the instructor-only checks from the `grading` package.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in ({repo!r}, os.environ.get("PYTHONPATH", "")) if p
)
# nbgrader imports the course's own preprocessors (below) from the repository.
sys.path.insert(0, {repo!r})
c.Autograde.autograde_preprocessors = [
    # nbgrader's Execute with bounded output; test cells' checks run in the grader, not in the kernel
    # (grading/outputs.py, grading/judge.py)
    "grading.pipeline.execute.BoundedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Feedback never shows hidden tests or tracebacks into them.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grading.pipeline.feedback_filter.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
'''


def assignments() -> list[str]:
    """Assignment ids, in course order: every solutions/<id>/ holding the exercise notebook."""
    return sorted(p.parent.name for p in SOLUTIONS.glob(f"*/{NOTEBOOK}.ipynb"))


def notebook(course_dir: Path, step: str, assignment: str, student: str | None = None) -> Path:
    """An exercise notebook in nbgrader's layout: ``<course>/<step>/[<student>/]<assignment>/exercises.ipynb``."""
    folder = course_dir / step / student if student is not None else course_dir / step
    return folder / assignment / f"{NOTEBOOK}.ipynb"


def grade_id(cell: NotebookNode) -> str | None:
    """The nbgrader grade_id of a cell, or None for an ordinary cell."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def default_db_url(course_dir: Path) -> str:
    """nbgrader's embedded SQLite gradebook inside the course directory."""
    return f"sqlite:///{(course_dir / 'gradebook.db').resolve()}"


def prepare(course_dir: Path, db_url: str | None = None) -> Path:
    """Create or refresh the course directory: config file and the source copy of every assignment."""
    course_dir = course_dir.resolve()
    course_dir.mkdir(parents=True, exist_ok=True)
    config = CONFIG.format(root=str(course_dir), course_id=COURSE_ID,
                           db_url=db_url or default_db_url(course_dir), repo=str(ROOT))
    (course_dir / "nbgrader_config.py").write_text(config)
    for assignment in assignments():
        source = course_dir / "source" / assignment
        if source.exists():
            shutil.rmtree(source)
        source.mkdir(parents=True)
        shutil.copy2(SOLUTIONS / assignment / f"{NOTEBOOK}.ipynb", source)
        shutil.copytree(STUDENT_FILES, source, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return course_dir


def copy(course_dir: Path, into: Path) -> Path:
    """Another course directory with the same release and SQLite gradebook, its config rewritten for its own place
    (nbgrader's release is the same each time, and takes seconds)."""
    shutil.copytree(course_dir, into, dirs_exist_ok=True)
    return prepare(into)


def nbgrader_env() -> dict[str, str]:
    """Environment for nbgrader subprocesses: this interpreter's bin first (nbgrader runs alembic)."""
    env = dict(os.environ)
    paths = [str(Path(sys.executable).parent), *env.get("PATH", "").split(os.pathsep)]
    env["PATH"] = os.pathsep.join(dict.fromkeys(p for p in paths if p))  # once each, however often it is called
    return env


def kernel_env(course_dir: Path) -> dict[str, str]:
    """Environment for grading kernels: what the sandbox hides from them and what they import first.

    Hidden: the course directory (gradebook, sources, everyone's submissions), the solutions,
    the test corpus, git history and the hidden checks. The course's checks are imported first, so a
    submission's own files cannot stand in for them.
    """
    env = nbgrader_env()
    hide = [course_dir, DEFAULT_COURSE_DIR, SOLUTIONS, ROOT / "tests", HIDDEN_CHECKS, ROOT / ".git"]
    env[confine.ENV_HIDE] = os.pathsep.join(str(p) for p in hide)
    # the grader's probe (grading/probe.py) is all a grading kernel needs of the course: the checks run in the
    # grader (grading/judge.py), so none of their code, the hidden tests' least of all, enters the kernel
    env[confine.ENV_PRELOAD] = "grading.sandbox.probe"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), str(STUDENT_FILES), env.get("PYTHONPATH")) if p)
    return env


class NbgraderFailed(RuntimeError):
    """A stock nbgrader command failed; the message ends with its log."""


def nbgrader(course_dir: Path, *args: str, check: bool = True,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run one stock nbgrader command in the course directory; on failure raise :class:`NbgraderFailed` with its log."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir,
                          env=env or nbgrader_env(), capture_output=True, text=True)
    if check and done.returncode != 0:
        raise NbgraderFailed(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return done


RELEASE_CONFIG = '''\
# nbgrader reads this file when you validate the notebook in this folder (`nbgrader validate
# exercises.ipynb`, or the Validate button).
c = get_config()  # noqa: F821 (provided by nbgrader)
# The kernel validate starts logs errors only: ipykernel's warning that it talks over local TCP
# without encryption (on every kernel) would stand beside the verdict and look like a problem.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--log-level=ERROR"]
'''


def course_api(course_dir: Path) -> NbGraderAPI:
    """nbgrader's own API (what formgrader calls) on this course, configured by its nbgrader_config.py: its
    commands run in this process, each logging into the result it returns instead of onto the terminal."""
    from .pipeline import fastpath  # here, not at the top: it brings jupyter_client and alembic to every importer
    fastpath.install_gradebook_version()  # a gradebook this API makes takes 2.4 CPU-s less
    os.environ["PATH"] = nbgrader_env()["PATH"]  # where that fast path is off, nbgrader runs `alembic` from PATH
    return NbGraderAPI(config=PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config())


def generate(course_dir: Path, assignments: list[str]) -> list[Path]:
    """Generate the student version of each assignment with nbgrader's own API, all in this process (nbgrader
    starts once, not once per assignment: the release command takes about 2 s, not 16); return their release
    folders, each of which also holds a minimal nbgrader_config.py so that validating there warns of nothing."""
    api = course_api(course_dir)
    folders = []
    for assignment in assignments:
        done = api.generate_assignment(assignment, force=True)
        if not done["success"]:
            raise NbgraderFailed(f"nbgrader generate_assignment {assignment} failed:\n"
                                 f"{done.get('log', '')[-2000:]}{done.get('error', '')[-4000:]}")
        release = course_dir / "release" / assignment
        (release / "nbgrader_config.py").write_text(RELEASE_CONFIG)
        folders.append(release)
    return folders
