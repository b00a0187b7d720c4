"""Repairing a damaged submission against its release notebook, so that nbgrader grades it.

Students paste copies of cells (a copy keeps its grade_id: nbgrader 0.9.6's DeduplicateIds
empties the metadata of all copies but the last, and its metadata check then aborts the
notebook with "old version of the nbgrader metadata format ... nbgrader update"), delete
read-only test cells, and save with editors that drop cell metadata and renumber cell ids.
Each cell nbgrader tracks in the release is found in the submission, in stages:

1. the cell with the same cell id;
2. a cell whose nbgrader metadata still has the same grade_id;
3. a cell of the same type with the same source (tests, instructions, unanswered stubs);
4. for an answer cell whose grade_id names a function, a code cell that defines it;
5. for an answer cell, the only unclaimed cell of its type between the cells its
   neighbours in the release were found in.

Where several cells qualify, the last one is taken: a test then runs after everything
written above it. A found cell gets the release's nbgrader metadata; every other cell loses
its own (pasted copies run as ordinary code, in order); a read-only cell found nowhere is
put back after the last of the cells found for the tracked cells before it in the release
(a deleted test after its answer, and after the tests before it).
nbgrader does the rest when it grades: OverwriteCells puts back the hidden tests and the
source of every read-only cell. An answer cell found nowhere cannot be repaired: it is
reported in words, and the submission is graded as it is.
"""
from __future__ import annotations

import ast
import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import nbformat
from nbformat import NotebookNode
from nbgrader import utils

from .scan import transform

REPAIRED = "repaired: "


@dataclass
class Repair:
    """A submission made gradable: the notebook, what was put right, what could not be found."""

    notebook: NotebookNode
    repairs: list[str] = field(default_factory=list)    # flags; none: graded as submitted
    unmatched: list[str] = field(default_factory=list)  # answer cells found nowhere, in words
    edited: list[str] = field(default_factory=list)     # read-only cells with changed source

    def flags(self) -> list[str]:
        """Everything the instructor should know, one flag each (no '; ', which separates flags)."""
        edited = [f"edited read-only cells (nbgrader restored them): {', '.join(self.edited)}"] if self.edited else []
        return self.repairs + edited + self.unmatched


def tracked_id(cell: NotebookNode) -> str | None:
    """The grade_id of a cell whose metadata makes nbgrader track it (answer, test, read-only), else None."""
    meta = cell.get("metadata", {}).get("nbgrader")
    if not isinstance(meta, dict) or not (meta.get("grade") or meta.get("solution") or meta.get("locked")):
        return None
    return meta.get("grade_id") or None


def defined_functions(source: str) -> set[str]:
    """Names of the functions a code cell defines at top level (none when it does not parse)."""
    try:
        tree = ast.parse(transform(source))
    except (SyntaxError, RecursionError, MemoryError):  # the last two: nesting too deep for the parser
        return set()
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def match(released: list[NotebookNode], submitted: list[NotebookNode]) -> dict[int, int]:
    """Release cell index -> index of the submitted cell that stands for it, found in the module's stages."""
    pairs: dict[int, int] = {}

    def around(r: int) -> tuple[int, int]:
        """Where the nearest found release cells before and after r are in the submission."""
        before = [pairs[q] for q in range(r) if q in pairs]
        after = [pairs[q] for q in range(r + 1, len(released)) if q in pairs]
        return (before[-1] if before else -1), (after[0] if after else len(submitted))

    def between(r: int, s: int) -> bool:
        """Whether submitted cell s is of r's type and lies between where r's found neighbours are."""
        low, high = around(r)
        return low < s < high and submitted[s].cell_type == released[r].cell_type

    answer = utils.is_solution
    stages: list[tuple[Callable[[NotebookNode], object], Callable[[int, int], bool], bool]] = [
        (lambda c: True, lambda r, s: submitted[s].id == released[r].get("id"), False),
        (tracked_id, lambda r, s: tracked_id(submitted[s]) == tracked_id(released[r]), False),
        (lambda c: True, lambda r, s: (submitted[s].cell_type, submitted[s].source)
         == (released[r].cell_type, released[r].source), False),
        (lambda c: answer(c) and c.cell_type == "code", lambda r, s: submitted[s].cell_type == "code"
         and tracked_id(released[r]) in defined_functions(submitted[s].source), False),
        (answer, between, True),
    ]
    for applies, qualifies, only_one in stages:
        for r, cell in enumerate(released):
            if r in pairs or not applies(cell):
                continue
            taken = set(pairs.values())
            found = [s for s in range(len(submitted)) if s not in taken and qualifies(r, s)]
            if found and (len(found) == 1 or not only_one):
                pairs[r] = found[-1]
    return pairs


def repair(submitted: NotebookNode, released: NotebookNode) -> Repair:
    """The submission with every tracked cell of the release found, put back or reported (input unchanged)."""
    nb = copy.deepcopy(submitted)
    if nb.nbformat_minor < 5:  # no cell ids (older editors, Colab): cells put back carry one
        nbformat.v4.upgrade(nb, from_version=4, from_minor=nb.nbformat_minor)
    release = released.cells
    pairs = match(release, nb.cells)
    owner = {s: r for r, s in pairs.items()}
    tracked = [r for r, cell in enumerate(release) if tracked_id(cell)]
    result = Repair(nb)

    put_back: dict[int, list[NotebookNode]] = {}  # submitted index it follows (-1: top) -> release cells
    for r in tracked:
        if r in pairs:
            continue
        if utils.is_locked(release[r]):
            anchor = max((pairs[q] for q in tracked if q < r and q in pairs), default=-1)
            put_back.setdefault(anchor, []).append(copy.deepcopy(release[r]))
        elif release[r].cell_type == "code":
            name = tracked_id(release[r])
            result.unmatched.append(f"no cell defines {name}(): its answer cell was deleted or the function renamed")
        else:
            result.unmatched.append(f"answer cell {tracked_id(release[r])} not found: deleted, or its metadata "
                                    "removed where it cannot be told from other cells: read it in the notebook")

    stripped: list[str] = []
    changed: list[str] = []
    copies: list[str] = []
    foreign: list[str] = []
    cells = list(put_back.get(-1, []))
    for s, cell in enumerate(nb.cells):
        want = release[owner[s]].metadata.get("nbgrader") if s in owner and tracked_id(release[owner[s]]) else None
        have = cell.metadata.get("nbgrader")
        if want is not None and have != want:
            (stripped if tracked_id(cell) is None else changed).append(want["grade_id"])
            cell.metadata["nbgrader"] = copy.deepcopy(want)
        elif want is None and have is not None:
            name = tracked_id(cell)
            del cell.metadata["nbgrader"]
            if name:
                known = any(tracked_id(c) == name for c in release)
                (copies if known else foreign).append(f"{name} (cell {len(cells) + 1})")
        if want is not None and utils.is_locked(release[owner[s]]) and cell.source != release[owner[s]].source:
            result.edited.append(want["grade_id"])
        cells.append(cell)
        cells.extend(put_back.get(s, []))
    nb.cells = cells

    restored = [cast(str, tracked_id(c)) for group in put_back.values() for c in group]  # put back: tracked cells
    for what, names in [("pasted copies run as ordinary code", copies),
                        ("cells with a grade_id the release lacks run as ordinary code", foreign),
                        ("deleted cells put back", restored),
                        ("edited nbgrader metadata put back as released", changed)]:
        if names:
            result.repairs.append(f"{REPAIRED}{what}: {', '.join(names)}")
    if stripped:
        result.repairs.append(f"{REPAIRED}nbgrader metadata an editor removed put back on {len(stripped)} cells")
    return result


def repair_file(submitted: Path, released: Path) -> Repair:
    """Repair a submitted notebook file against the release; rewrite it only when something was put right."""
    result = repair(nbformat.read(submitted, as_version=4), nbformat.read(released, as_version=4))
    if result.repairs:
        nbformat.write(result.notebook, submitted)
    return result
