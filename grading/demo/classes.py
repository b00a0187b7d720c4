"""Synthetic classes for the demo and the benchmark: right, partly wrong, broken and hostile submissions.

Every submission starts from the release notebook students receive, with solution cells
filled in (:func:`grading.demo.submissions.fill`), so it goes through exactly what a real one does.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4.nbbase import random_cell_id

from ..course import NOTEBOOK, grade_id
from .submissions import fill, reference_answers


def first_function(assignment: str) -> str:
    """grade_id of the assignment's first code solution cell."""
    return next(g for g, src in reference_answers(assignment).items() if src.lstrip().startswith(("def", "import")))


def wrong_answers(assignment: str) -> dict[str, str]:
    """The reference, except the first function returns None: partly wrong."""
    answers = reference_answers(assignment)
    name = first_function(assignment)
    header = answers[name].split('"""')[0] + '"""wrong on purpose"""\n    return None\n'
    answers[name] = header
    return answers


def with_prefix(answers: dict[str, str], assignment: str, code: str) -> dict[str, str]:
    """The answers with ``code`` run at the top of the first solution cell."""
    name = first_function(assignment)
    return {**answers, name: code + "\n" + answers[name]}


def save(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def position(nb: nbformat.NotebookNode, wanted: Callable[[str], bool]) -> int:
    """Index of the first cell whose grade_id is ``wanted``."""
    return next(i for i, c in enumerate(nb.cells) if wanted(grade_id(c) or ""))


def pasted(nb: nbformat.NotebookNode, wanted: Callable[[str], bool]) -> nbformat.NotebookNode:
    """The notebook with a copy of the ``wanted`` cell pasted below it, as Jupyter pastes: same metadata, new id."""
    index = position(nb, wanted)
    twin = copy.deepcopy(nb.cells[index])
    twin.id = random_cell_id()
    nb.cells.insert(index + 1, twin)
    return nb


def deleted(nb: nbformat.NotebookNode, wanted: Callable[[str], bool]) -> nbformat.NotebookNode:
    """The notebook without the ``wanted`` cells."""
    nb.cells = [c for c in nb.cells if not wanted(grade_id(c) or "")]
    return nb


def stripped(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as an editor that keeps no cell metadata saves it: metadata gone, cell ids renumbered."""
    for number, cell in enumerate(nb.cells, start=1):
        cell.metadata = nbformat.NotebookNode()
        cell.id = f"cell-{number}"
    return nb


def damages(assignment: str) -> dict[str, Callable[[nbformat.NotebookNode], nbformat.NotebookNode]]:
    """Student -> what they did to a correct notebook: all repaired before grading but sam's (no answer to find)."""
    first = first_function(assignment)
    is_first, tests_of_first = (lambda g: g == first), (lambda g: g.startswith(f"test_{first}"))
    return {"max": lambda nb: deleted(nb, tests_of_first), "pia": lambda nb: pasted(nb, is_first),
            "quinn": lambda nb: pasted(nb, tests_of_first), "rosa": stripped, "sam": lambda nb: deleted(nb, is_first)}


# 200,000 lines (2.3 MB) in 200 writes: a flood by volume that costs well under a second, so
# even a loaded machine grades it inside the demo's 10 s cell limit.
FLOOD = "for i in range(0, 200000, 1000):\n    print('\\n'.join(f'spam {j}' for j in range(i, i + 1000)))"

VANDAL = """import glob, os
course = os.path.dirname(os.path.dirname(os.path.dirname(os.getcwd())))
for path in [os.path.join(course, 'gradebook.db'), *glob.glob(os.path.join(course, '*', '*', '*', '*.ipynb'))]:
    try:
        with open(path, 'w') as f:
            f.write('overwritten by a classmate')
    except OSError:
        pass"""


Make = Callable[[Path, str], "nbformat.NotebookNode | str | None"]  # (release notebook, assignment) -> its file


def correct(released: Path, assignment: str) -> nbformat.NotebookNode:
    """The release notebook with every reference answer filled in."""
    return fill(released, reference_answers(assignment))


def prefixed(code: str) -> Make:
    """A correct notebook whose first answer cell starts with ``code``."""
    return lambda released, assignment: fill(released, with_prefix(reference_answers(assignment), assignment, code))


def damaged(student: str) -> Make:
    """A correct notebook then damaged as :func:`damages` says ``student`` did."""
    return lambda released, assignment: damages(assignment)[student](correct(released, assignment))


@dataclass(frozen=True)
class DemoStudent:
    """One student of the demo class: what they show, and the file they hand in for each assignment."""

    name: str
    role: str
    make: Make  # a notebook, raw file text, or None for a student folder with nothing in it
    file: str = f"{NOTEBOOK}.ipynb"
    needs_sandbox: bool = False  # only safe to grade where kernels are sandboxed


DEMO_CLASS = (
    DemoStudent("ada", "correct", correct),
    DemoStudent("ben", "correct, prints and warns",
                prefixed("import warnings\nprint('working on it')\nwarnings.warn('a harmless warning')")),
    DemoStudent("cleo", "partly wrong", lambda released, assignment: fill(released, wrong_answers(assignment))),
    DemoStudent("dan", "corrupt JSON", lambda released, assignment: '{"cells": [ {"cell_type": "code", "sour'),
    DemoStudent("eve", "empty file", lambda released, assignment: ""),
    DemoStudent("finn", "notebook renamed 'exercises (1).ipynb'", correct, file=f"{NOTEBOOK} (1).ipynb"),
    # waiting, not spinning: the grader interrupts both alike at the cell timeout (tests/test_warm.py interrupts a
    # spinning one), and the demo does not keep a core busy for that long
    DemoStudent("gus", "infinite loop", prefixed("import time\nwhile True:\n    time.sleep(1)")),
    DemoStudent("hana", "kernel exits (os._exit)", prefixed("import os\nos._exit(1)")),
    DemoStudent("ivo", "sys.exit()", prefixed("import sys\nsys.exit()")),
    DemoStudent("jo", "memory hog", prefixed("hog = torch.ones(2**36, dtype=torch.uint8)")),
    DemoStudent("kai", "output flood", prefixed(FLOOD)),
    DemoStudent("lea", "monkeypatches torch.equal", prefixed("torch.equal = lambda a, b: True")),
    DemoStudent("max", "deleted the test cells of an answer", damaged("max")),
    DemoStudent("nia", "no submission", lambda released, assignment: None),
    DemoStudent("pia", "pasted a copy of an answer cell", damaged("pia")),
    DemoStudent("quinn", "pasted a copy of a test cell", damaged("quinn")),
    DemoStudent("rosa", "editor removed all cell metadata and renumbered cell ids", damaged("rosa")),
    DemoStudent("sam", "deleted an answer cell", damaged("sam")),
    DemoStudent("olga", "overwrites the gradebook and classmates' notebooks", prefixed(VANDAL), needs_sandbox=True),
)


def build_demo_class(release: Path, assignments: list[str], into: Path, vandal: bool = True) -> dict[str, str]:
    """Write :data:`DEMO_CLASS` as <student>/<assignment>/... into ``into``; return student -> what they show.

    ``vandal`` keeps the students who attack the grader (only safe to grade where kernels are sandboxed).
    """
    students = [s for s in DEMO_CLASS if vandal or not s.needs_sandbox]
    for student in students:
        (into / student.name).mkdir(parents=True, exist_ok=True)
        for assignment in assignments:
            made = student.make(release / assignment / f"{NOTEBOOK}.ipynb", assignment)
            path = into / student.name / assignment / student.file
            if isinstance(made, str):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(made)
            elif made is not None:
                save(made, path)
    return {s.name: s.role for s in students}


def build_bench_class(release: Path, assignments: list[str], into: Path, students: int) -> None:
    """``students`` students per assignment, alternately correct and partly wrong."""
    for assignment in assignments:
        released = release / assignment / f"{NOTEBOOK}.ipynb"
        right, wrong = fill(released, reference_answers(assignment)), fill(released, wrong_answers(assignment))
        for k in range(students):
            save(right if k % 2 == 0 else wrong, into / f"s{k:03d}" / assignment / f"{NOTEBOOK}.ipynb")
