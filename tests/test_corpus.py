"""Every exercise grader, tested the way it is used: filled-in release notebooks graded by our autograde command.

Per assignment, one class of students is autograded: student ``correct_k`` answers every function with
its k-th correct idiom (the reference where a function has fewer), and the wrong variants are packed into
students that each answer several independent functions wrongly, one variant each (:func:`students`), every
other function with the reference. Each wrong variant fails its function's visible test with the hint the
corpus names (so a student learns of the mistake before submitting), or is marked HIDDEN_ONLY and fails only
the hidden tests; the functions a packed student answered right keep every point.

The four assignments' classes are graded as one class, once, as an instructor grades it: `python -m grading
autograde` with two jobs, our workers running nbgrader's own converter in warm, sandboxed kernels. Stock `nbgrader
autograde`, in ordinary kernels, first grades a stratified sample in one run, whose scores must be the same on every
cell (:func:`sample`; the whole corpus with ``--all-kernels``).
"""
from __future__ import annotations

import html
import importlib
import re
from dataclasses import dataclass

import nbformat
import pytest

from corpus import HIDDEN_ONLY
from grading import course
from grading.course import grade_id
from grading.demo.submissions import reference_answers
from grading.gradebook import CellScore
from harness import CourseUnderTest, cli, validate_each

ASSIGNMENTS = course.assignments()


def corpus(assignment: str):
    """The corpus module of an assignment (tests/corpus/aNN.py)."""
    return importlib.import_module(f"corpus.a{assignment[:2]}")


Roster = dict[str, tuple[dict[str, str], dict[str, str]]]  # student -> ({function: wrong variant}, answers)


def depends(assignment: str) -> dict[str, set[str]]:
    """function -> the other functions whose answers can change its tests' outcome: those its test cells, its
    reference or any of its corpus answers name (block2 calls block1; init_mixed's checks call init_xavier)."""
    mod, ref = corpus(assignment), reference_answers(assignment)
    source = nbformat.read(course.SOLUTIONS / assignment / f"{course.NOTEBOOK}.ipynb", as_version=4)
    text = {f: " ".join([ref[f], *(src for _, src in mod.CORRECT[f]), *(src for _, src, _ in mod.WRONG[f]),
                         *(c.source for c in source.cells if (grade_id(c) or "").startswith(f"test_{f}"))])
            for f in mod.WRONG}
    return {f: {g for g in text if g != f and re.search(rf"\b{g}\b", text[f])} for f in text}


def students(assignment: str) -> Roster:
    """student id -> ({function: wrong variant's name} (empty for a right student), answers by grade_id).

    Student ``correct_k`` answers every function with its k-th correct idiom (the reference where a function has
    fewer). The wrong variants are packed: student ``wrong_k`` answers several functions wrongly, each with one
    of its wrong variants and the others with the reference, never two functions of which one depends on the
    other (:func:`depends`), so each function's test cells see its own wrong answer and nothing else wrong.
    """
    ref, mod, deps = reference_answers(assignment), corpus(assignment), depends(assignment)
    out: Roster = {}
    for k in range(max(len(v) for v in mod.CORRECT.values())):
        answers = dict(ref)
        for function, variants in mod.CORRECT.items():
            if k < len(variants):
                answers[function] = variants[k][1]
        out[f"correct_{k}"] = ({}, answers)
    packs: list[dict[str, tuple[str, str]]] = []  # each: function -> (variant name, source)
    for function, variants in sorted(mod.WRONG.items(), key=lambda item: -len(item[1])):
        for name, source, _ in variants:
            pack = next((p for p in packs if function not in p and not any(
                g in deps[function] or function in deps[g] for g in p)), None)
            if pack is None:
                pack = {}
                packs.append(pack)
            pack[function] = (name, source)
    for k, pack in enumerate(packs):
        answers = {**ref, **{f: source for f, (_, source) in pack.items()}}
        out[f"wrong_{k}"] = ({f: name for f, (name, _) in pack.items()}, answers)
    return out


def sample(roster: Roster) -> list[str]:
    """The students stock nbgrader also grades by default, a sample stratified by verdict: ``correct_0`` (a right
    answer to every function, each graded in ordinary kernels and in ours) and the packs holding each function's
    first wrong variant in the corpus (a wrong answer to every function). The other right idioms differ from
    ``correct_0`` only in the student's code, which runs the same way in either kernel; ``--all-kernels`` compares
    them too."""
    first: dict[str, str] = {}
    for student, (wrong, _) in roster.items():
        for function in wrong:
            first.setdefault(function, student)
    return ["correct_0", *dict.fromkeys(first.values())]


def visible_hints(assignment: str, roster: Roster) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """(student, function, the hints its visible test must give one of, or HIDDEN_ONLY) for every wrong variant."""
    hints = {(f, name): (hint,) if isinstance(hint, str) else hint
             for f, variants in corpus(assignment).WRONG.items() for name, _, hint in variants}
    return [(student, f, hints[(f, name)]) for student, (wrong, _) in roster.items() for f, name in wrong.items()]


def cell_errors(harness: CourseUnderTest, assignment: str, student: str) -> dict[str | None, str]:
    """grade_id -> the error text each failing cell of an autograded notebook shows, whitespace collapsed."""
    path = harness.dir / "autograded" / student / assignment / f"{course.NOTEBOOK}.ipynb"
    errors: dict[str | None, str] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        shown = [" ".join(out.get("traceback", [])) for out in cell.get("outputs", []) if out.output_type == "error"]
        if shown:
            errors[grade_id(cell)] = " ".join(" ".join(shown).split())
    return errors


@dataclass
class Graded:
    """The corpus graded: the course, each assignment's roster, stock nbgrader's scores of the sample."""

    harness: CourseUnderTest
    rosters: dict[str, Roster]
    stock: dict[tuple[str, str], dict[str, CellScore]]  # (assignment, student) -> grade_id -> score


@pytest.fixture(scope="module")
def graded(tmp_path_factory, request) -> Graded:
    """Every assignment's corpus graded by stock nbgrader (its sample only, in one run), then all four classes as
    one by `python -m grading autograde --jobs 2`."""
    harness = CourseUnderTest(tmp_path_factory.mktemp("course"))
    rosters = {a: students(a) for a in ASSIGNMENTS}
    compared = [(a, s) for a, roster in rosters.items()
                for s in (roster if request.config.getoption("--all-kernels") else sample(roster))]
    for assignment, student in compared:
        harness.submit(assignment, student, rosters[assignment][student][1])
    harness.autograde("*")  # nbgrader's glob over submitted/*/<assignment>: every assignment in one run
    stock = {(a, s): harness.scores(a, s) for a, s in compared}
    class_dir = tmp_path_factory.mktemp("class")
    for assignment, roster in rosters.items():
        for student, (_, answers) in roster.items():
            harness.submit(assignment, student, answers, class_dir)
    cli(harness.dir, "autograde", str(class_dir), "--jobs", "2")
    return Graded(harness, rosters, stock)


@pytest.fixture(scope="module")
def inverted(graded: Graded) -> dict[str, tuple[str, str]]:
    """`nbgrader validate --invert` of every assignment's student version, before any answer."""
    return validate_each({a: graded.harness.release(a) for a in ASSIGNMENTS}, "--invert", cwd=graded.harness.dir)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
class TestCorpus:
    """The corpus checks, for each assignment, on the one graded corpus."""

    def test_corpus_shape(self, assignment):
        """Every function of the contract has >= 2 correct idioms and >= 3 wrong variants."""
        mod = corpus(assignment)
        source = nbformat.read(course.SOLUTIONS / assignment / f"{course.NOTEBOOK}.ipynb", as_version=4)
        code_cells = {grade_id(c) for c in source.cells
                      if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
        assert code_cells == set(mod.CORRECT) == set(mod.WRONG)
        assert all(len(v) >= 2 for v in mod.CORRECT.values())
        assert all(len(v) >= 3 for v in mod.WRONG.values())

    def test_correct_variants_get_full_points(self, graded, assignment):
        harness, roster = graded.harness, graded.rosters[assignment]
        for student, (wrong, _) in roster.items():
            if wrong:
                continue
            scores = harness.scores(assignment, student)
            assert scores, f"{student} was not graded"
            lost = {g: s.score for g, s in scores.items() if not s.needs_manual_grade and s.score < s.max_score}
            assert not lost, f"{student} lost points on {lost}:\n{harness.outputs(assignment, student)}"

    def test_wrong_variants_lose_points_on_their_function(self, graded, assignment):
        harness, roster = graded.harness, graded.rosters[assignment]
        escaped = []
        for student, (wrong, _) in roster.items():
            scores = harness.scores(assignment, student)
            for function, name in wrong.items():
                cells = {g: s for g, s in scores.items() if g.startswith(f"test_{function}")}
                assert cells, f"no test_{function}* cell graded for {student}"
                if sum(s.score for s in cells.values()) >= sum(s.max_score for s in cells.values()):
                    escaped.append(f"{function}: {name}")
        assert not escaped, f"wrong variants that kept full points: {escaped}"

    def test_a_pack_loses_points_only_on_its_wrong_functions(self, graded, assignment):
        """In a packed student, every function answered with the reference keeps all its points, unless it
        depends on one answered wrongly (a right block2 calls a wrong block1): one function's wrong answer does
        not leak into another's tests, so each wrong variant is judged on its own."""
        harness, roster = graded.harness, graded.rosters[assignment]
        deps, leaked = depends(assignment), []
        for student, (wrong, _) in roster.items():
            if not wrong:
                continue
            for g, s in harness.scores(assignment, student).items():
                function = g.removeprefix("test_").removesuffix("_hidden")
                if (g.startswith("test_") and function not in wrong and not deps[function] & set(wrong)
                        and s.score < s.max_score):
                    leaked.append(f"{student} ({wrong}) lost points on {g}")
        assert not leaked, "\n".join(leaked)

    def test_wrong_variants_fail_the_visible_test_with_their_hint(self, graded, assignment):
        """A wrong answer fails its function's visible test, which names the cause; a HIDDEN_ONLY one (it fits
        only the visible case) keeps the visible test's points and loses the hidden ones."""
        harness, roster = graded.harness, graded.rosters[assignment]
        wrong = []
        for student, function, hint in visible_hints(assignment, roster):
            scores = harness.scores(assignment, student)
            visible = scores[f"test_{function}"]
            hidden = [s for g, s in scores.items() if g.startswith(f"test_{function}_hidden")]
            shown = cell_errors(harness, assignment, student).get(f"test_{function}", "")
            if hint is HIDDEN_ONLY:
                if visible.score < visible.max_score or all(s.score == s.max_score for s in hidden):
                    wrong.append(f"{student} {function}: expected to pass the visible test and fail a hidden one")
            elif visible.score > 0 or not any(piece in shown for piece in hint):
                wrong.append(f"{student} {function}: visible test scored {visible.score}, expected 0 with {hint!r} "
                             f"in: {shown}")
        assert not wrong, "\n".join(wrong)

    def test_warm_kernels_give_the_same_scores(self, graded, assignment):
        """Our warm, sandboxed kernels and stock nbgrader's ordinary ones agree on every cell of every compared
        submission."""
        harness = graded.harness
        compared = {s: scores for (a, s), scores in graded.stock.items() if a == assignment}
        assert "correct_0" in compared and len(compared) >= 2
        differ = {student: (harness.scores(assignment, student), scores) for student, scores in compared.items()
                  if harness.scores(assignment, student) != scores}
        assert not differ, differ

    def test_reference_solution_passes_every_test_quietly(self, assignment):
        """The source notebook (solutions and hidden tests) as committed shows no error, nothing on stderr, and no
        test cell with a value as its result (nbgrader would warn, or read it as partial credit). Strict nbval runs
        it again in every `pytest` and requires these very outputs, so every test passes the same way when run."""
        source = nbformat.read(course.SOLUTIONS / assignment / f"{course.NOTEBOOK}.ipynb", as_version=4)
        code = [c for c in source.cells if c.cell_type == "code"]
        assert all(c.get("execution_count") for c in code), "a code cell of the source was not run"
        shown = [(grade_id(c), o.get("output_type"), o.get("name")) for c in code for o in c.outputs]
        assert not [s for s in shown if s[1] == "error" or s[2] == "stderr"], shown
        tests = {grade_id(c) for c in code if c.metadata.get("nbgrader", {}).get("grade")
                 and not c.metadata["nbgrader"].get("solution")}
        assert tests and not [g for g, kind, _ in shown if kind == "execute_result" and g in tests], shown

    def test_feedback_shows_the_same_block_as_the_notebook(self, graded, assignment):
        """The feedback HTML of a wrong answer shows its visible test's failure block, hint included, and no
        frame of the checks."""
        harness, roster = graded.harness, graded.rosters[assignment]
        student, function, hint = next(v for v in visible_hints(assignment, roster) if v[2] is not HIDDEN_ONLY)
        done = course.course_api(harness.dir).generate_feedback(assignment, student)  # what feedback runs
        assert done["success"], done
        page = (harness.dir / "feedback" / student / assignment / f"{course.NOTEBOOK}.html").read_text()
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
        assert hint is not None  # HIDDEN_ONLY variants were left out above
        assert any(piece in text for piece in hint) and "guard.py" not in text

    def test_release_fails_every_test(self, inverted, assignment):
        """`nbgrader validate --invert` on the student version: every test fails before any answer."""
        shown, stderr = inverted[assignment]
        assert shown.startswith("Success! The notebook does not pass any tests."), shown + stderr


