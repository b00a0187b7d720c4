"""Synthetic classes for the demo and the benchmark: right, partly wrong, broken and hostile submissions.

Every submission starts from the release notebook students receive, with solution cells
filled in (:func:`grading.demo.submissions.fill`), so it goes through exactly what a real one does.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable

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


def build_demo_class(release: Path, assignments: list[str], into: Path, vandal: bool = True) -> dict[str, str]:
    """Write a small class <student>/<assignment>/... into ``into``; return student -> what they show.

    ``vandal`` adds a student who tries to overwrite the gradebook and everyone's notebooks
    (only safe to grade where kernels are sandboxed).
    """
    roles = {
        "ada": "correct", "ben": "correct, prints and warns", "cleo": "partly wrong", "dan": "corrupt JSON",
        "eve": "empty file", "finn": "notebook renamed 'exercises (1).ipynb'", "gus": "infinite loop",
        "hana": "kernel exits (os._exit)", "ivo": "sys.exit()", "jo": "memory hog", "kai": "output flood",
        "lea": "monkeypatches torch.equal", "max": "deleted the test cells of an answer", "nia": "no submission",
        "pia": "pasted a copy of an answer cell", "quinn": "pasted a copy of a test cell",
        "rosa": "editor removed all cell metadata and renumbered cell ids", "sam": "deleted an answer cell",
    }
    if vandal:
        roles["olga"] = "overwrites the gradebook and classmates' notebooks"
    for assignment in assignments:
        released = release / assignment / f"{NOTEBOOK}.ipynb"
        ref = reference_answers(assignment)
        folder = lambda student: into / student / assignment  # noqa: E731
        save(fill(released, ref), folder("ada") / f"{NOTEBOOK}.ipynb")
        save(fill(released, with_prefix(ref, assignment, "import warnings\nprint('working on it')\n"
                                        "warnings.warn('a harmless warning')")), folder("ben") / f"{NOTEBOOK}.ipynb")
        save(fill(released, wrong_answers(assignment)), folder("cleo") / f"{NOTEBOOK}.ipynb")
        folder("dan").mkdir(parents=True, exist_ok=True)
        (folder("dan") / f"{NOTEBOOK}.ipynb").write_text('{"cells": [ {"cell_type": "code", "sour')
        folder("eve").mkdir(parents=True, exist_ok=True)
        (folder("eve") / f"{NOTEBOOK}.ipynb").write_text("")
        save(fill(released, ref), folder("finn") / f"{NOTEBOOK} (1).ipynb")
        save(fill(released, with_prefix(ref, assignment, "while True:\n    pass")), folder("gus") / f"{NOTEBOOK}.ipynb")
        save(fill(released, with_prefix(ref, assignment, "import os\nos._exit(1)")), folder("hana") / f"{NOTEBOOK}.ipynb")
        save(fill(released, with_prefix(ref, assignment, "import sys\nsys.exit()")), folder("ivo") / f"{NOTEBOOK}.ipynb")
        save(fill(released, with_prefix(ref, assignment, "hog = torch.ones(2**36, dtype=torch.uint8)")),
             folder("jo") / f"{NOTEBOOK}.ipynb")
        save(fill(released, with_prefix(ref, assignment, FLOOD)),
             folder("kai") / f"{NOTEBOOK}.ipynb")
        save(fill(released, with_prefix(ref, assignment, "torch.equal = lambda a, b: True")),
             folder("lea") / f"{NOTEBOOK}.ipynb")
        for student, damage in damages(assignment).items():
            save(damage(fill(released, ref)), folder(student) / f"{NOTEBOOK}.ipynb")
        if vandal:
            save(fill(released, with_prefix(ref, assignment, VANDAL)), folder("olga") / f"{NOTEBOOK}.ipynb")
    (into / "nia").mkdir(parents=True, exist_ok=True)
    return roles


def build_bench_class(release: Path, assignments: list[str], into: Path, students: int) -> None:
    """``students`` students per assignment, alternately correct and partly wrong."""
    for assignment in assignments:
        released = release / assignment / f"{NOTEBOOK}.ipynb"
        right, wrong = fill(released, reference_answers(assignment)), fill(released, wrong_answers(assignment))
        for k in range(students):
            save(right if k % 2 == 0 else wrong, into / f"s{k:03d}" / assignment / f"{NOTEBOOK}.ipynb")
