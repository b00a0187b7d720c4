"""Hostile submissions, graded as a class is: `python -m grading autograde` in sandboxed grading kernels
(warm ones, and fresh ones for a sample of one student of each kind, everyone with ``--all-kernels``, which must
agree on every cell).

Each hostile student answers one function wrongly and tries to make its tests pass anyway
(monkeypatching what the checks call, replacing the checks, hijacking the IPython shell,
faking return types, reading the solutions). Every one must lose the points it was after
*and* be flagged for the instructor; honest students who print, warn, seed or use
``isinstance`` and ``is`` keep every point and get no flag. Escaping students solve everything
and try to reach past their kernel (links the trusted side would follow, a daemon that outlives
the kernel, filling RAM through /tmp, littering the disk, connecting to the machine's services): each
keeps its points, is flagged, and harms no one: the gradebook and instructor files stay as they were,
nothing is left running.
"""
from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from grading import course
from grading.demo.submissions import fill, reference_answers
from grading.gradebook import all_cell_scores
from grading.intake.collect import collect
from grading.reports.tables import read
from grading.sandbox import confine
from grading.settings import Settings
from harness import cli, released_course

A01, A03 = "01_parameter_access", "03_initialisation"

WRONG_BIAS = '''def bias_values(net, index):
    """Zeros of the right shape instead of the values."""
    return torch.zeros_like(net[index].bias.detach())'''
WRONG_SHAPES = '''def param_shapes(net):
    """Nothing at all."""
    return {}'''
WRONG_COUNT = '''def count_parameters(net):
    """Always the lecture's answer."""
    return 49'''
WRONG_NORMAL = '''def init_normal(m):
    """Twice the asked standard deviation."""
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=0.02)
        nn.init.zeros_(m.bias)'''

# student -> (assignment, {grade_id: source} replacing the reference, test cells whose points it is after)
HOSTILE = {
    "patch_torch_equal": (A01, {"bias_values": "torch.equal = lambda a, b: True\n" + WRONG_BIAS},
                          ["test_bias_values", "test_bias_values_hidden"]),
    "patch_builtin_sum": (A01, {"count_parameters": "import builtins\nbuiltins.sum = lambda *a, **k: 49\n"
                                + WRONG_COUNT}, ["test_count_parameters_hidden"]),
    "patch_inside_function": (A01, {"count_parameters": '''def count_parameters(net):
    """Patches the checks' sum from inside the call."""
    import builtins
    builtins.sum = lambda *a, **k: 49
    return 49'''}, ["test_count_parameters_hidden"]),
    "patch_tensor_method": (A01, {"bias_values": "torch.Tensor.__eq__ = lambda a, b: torch.tensor(True)\n"
                                  "torch.Tensor.equal = lambda a, b: True\n" + WRONG_BIAS},
                            ["test_bias_values", "test_bias_values_hidden"]),
    "patch_statistics": (A03, {"init_normal": "import numpy, scipy.stats, types\n"
                               "numpy.mean = lambda *a, **k: 1e-4\n"
                               "scipy.stats.kstest = lambda *a, **k: types.SimpleNamespace(statistic=0.0)\n"
                               + WRONG_NORMAL}, ["test_init_normal", "test_init_normal_hidden"]),
    "replace_visible_check": (A01, {"param_shapes": "import course_checks.a01\n"
                                    "course_checks.a01.check_param_shapes = lambda f: None\n" + WRONG_SHAPES},
                              ["test_param_shapes"]),
    "replace_hidden_check": (A01, {"param_shapes": "import sys, types\n"
                                   "fake = types.ModuleType('grading.hidden.a01')\n"
                                   "fake.check_param_shapes_hidden = lambda f: None\n"
                                   "sys.modules['grading.hidden.a01'] = fake\n" + WRONG_SHAPES},
                             ["test_param_shapes_hidden"]),
    "skip_test_cells": (A01, {"param_shapes": "ip = get_ipython()\n"
                              "ip.input_transformers_post.append(\n"
                              "    lambda lines: ['pass\\n'] if any('check_' in l for l in lines) else lines)\n"
                              + WRONG_SHAPES}, ["test_param_shapes", "test_param_shapes_hidden"]),
    "swallow_errors": (A01, {"param_shapes": "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)\n"
                             + WRONG_SHAPES}, ["test_param_shapes", "test_param_shapes_hidden"]),
    "hide_tracebacks": (A01, {"param_shapes": "ip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
                              "ip._showtraceback = lambda *a, **k: None\n" + WRONG_SHAPES},
                        ["test_param_shapes", "test_param_shapes_hidden"]),
    "fake_dict": (A01, {"param_shapes": '''class Anything(dict):
    """Equal to everything."""
    def __eq__(self, other):
        return True

def param_shapes(net):
    return Anything()'''}, ["test_param_shapes", "test_param_shapes_hidden"]),
    "forge_answers": (A01, {"count_parameters": '''import sys
import grading.sandbox.probe
probe = sys.modules["grading.sandbox.probe"]
real = probe.answer

def answer(request, namespace):
    """Answers every call the grader makes with the lecture's count, whatever was asked."""
    reply = real(request, namespace)
    reply.pop("error", None)
    reply["result"] = {"t": "py", "v": 49}
    return reply

probe.answer = answer
''' + WRONG_COUNT}, ["test_count_parameters_hidden"]),
    "read_solutions": (A01, {"param_shapes": '''import json, os
import course_checks
root = os.path.dirname(os.path.dirname(os.path.dirname(course_checks.__file__)))
try:
    with open(os.path.join(root, 'solutions', '01_parameter_access', 'exercises.ipynb')) as f:
        cells = json.load(f)['cells']
    exec(next(''.join(c['source']) for c in cells if 'def param_shapes' in ''.join(c['source'])))
except (OSError, StopIteration):
''' + "\n".join("    " + line for line in WRONG_SHAPES.splitlines())},
                       ["test_param_shapes", "test_param_shapes_hidden"]),
}
NEEDS_SANDBOX = {"read_solutions"}  # only the kernel sandbox hides the solutions

# Escapes: students who solve every task and also try to reach past their kernel (each needs the
# sandbox). {course} is filled in with the course directory: the attacker knows where everything is.
MARKER = "3607.31337"  # the argument of the daemon's `sleep`, to find it among the machine's processes
ESCAPES = {
    "link_gradebook": (A01, """import os
for name, target in [("exercises.ipynb", "gradebook.db"), ("course_checks/a01.py", "nbgrader_config.py"),
                     ("notes.txt", "source/01_parameter_access/exercises.ipynb")]:
    try:
        os.remove(name)
    except OSError:
        pass
    os.symlink(os.path.join({course!r}, target), name)
try:
    os.link(os.path.join({course!r}, "gradebook.db"), "gradebook_link")
except OSError:
    os.link("notes.txt", "hard_link", follow_symlinks=False)
open("kept.txt", "w").write("a file left in the working copy")""", "made links in its working copy"),
    "daemon": (A01, """import os, signal, socket
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.set_inheritable(True)
        os.execvp("sleep", ["sleep", "MARKER"])
    os._exit(0)
os.wait()""".replace("MARKER", MARKER), "process(es) running after its kernel ended"),
    "fill_memory": (A01, """import os
chunk, written = b"x" * 2**26, 0
for where in ("/tmp", "/dev/shm", "."):
    try:
        for n in range(64):  # up to 4 GiB in each place, 64 MiB a file
            with open(os.path.join(where, f"fill{{n}}"), "wb") as f:
                f.write(chunk)
            written += len(chunk)
    except OSError:
        pass
print("WROTE", written)""", "filled its scratch space"),
    "network": (A01, """import socket
for port in ({port}, 22, 5432, 8888):  # the grader's own listener, then services a machine may run
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).sendall(b"reached")
    except OSError:
        pass""", "opens sockets"),
    "read_hidden": (A01, """import gc, sys
found = [m for m in sys.modules if m.startswith(("grading.hidden", "course_checks"))]
found += [f for f in gc.get_objects() if type(f).__name__ == "function"
          and str(getattr(f, "__module__", "")).startswith(("grading.hidden", "course_checks"))]
print("HIDDEN CODE FOUND", len(found))""", "walks live objects"),
    "many_files": (A01, """import os
os.makedirs("litter", exist_ok=True)
try:
    for n in range(1_000_000):
        open(f"litter/{{n}}", "w").close()
except OSError:
    pass""", "filled its scratch space"),
}
CONFINED = confine.probe().confined
HONEST = {
    "honest_chatty": (A01, {"param_shapes": '''import warnings
print("working on param_shapes")
warnings.warn("a harmless warning")
torch.manual_seed(0)

def param_shapes(net):
    """With a helper, isinstance and is."""
    shapes = {}
    for name, p in net.named_parameters():
        assert isinstance(p, nn.Parameter) and p is not None
        shapes[name] = tuple(p.shape)
    return shapes'''}),
    "honest_module": (A03, {"init_normal": '''class Probe(nn.Module):
    """A module of the student's own, to try the initialiser."""
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(3, 3)

def init_normal(m):
    if type(m) is nn.Linear or isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, mean=0.0, std=0.01)
        nn.init.zeros_(m.bias) if m.bias is not None else None

Probe().apply(init_normal)'''}),
}


def escapes(course_dir: Path, port: int) -> dict[str, tuple[str, dict[str, str]]]:
    """The escaping students' submissions: every answer right, the attack run before the first one."""
    found = {}
    for student, (assignment, attack, _) in ESCAPES.items():
        answers = reference_answers(assignment)
        first = next(iter(answers))
        found[student] = (assignment, {first: attack.format(course=str(course_dir), port=port) + "\n" + answers[first]})
    return found


def fingerprint(course_dir: Path) -> dict[str, str]:
    """Every instructor file of the course (not the gradebook, not the graded copies) -> its bytes' hash."""
    files = [course_dir / "nbgrader_config.py", *[p for top in ("source", "release", "submitted")
                                                  for p in (course_dir / top).rglob("*") if p.is_file()]]
    return {str(p.relative_to(course_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def running(marker: str) -> list[int]:
    """Pids of the machine's processes whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


# The students also graded in fresh kernels by default, one of each kind of what could behave differently there: a
# library patch, a hijacked shell, a forged probe reply, reading through the sandbox, honest work that prints, warns
# and seeds or defines a module, and the escapes by links, by a lasting process and by filling memory. With
# ``--all-kernels`` the whole class is graded in fresh kernels too.
FRESH_SAMPLE = {"patch_torch_equal", "skip_test_cells", "forge_answers", "read_solutions", "honest_chatty",
                "honest_module", "link_gradebook", "daemon", "fill_memory"}


@dataclass
class Run:
    """What grading a class with one kind of kernel left: rows, cell scores and the state around them."""

    dir: Path
    rows: dict[str, dict[str, str]]
    scores: dict[tuple[str, str], tuple[float, float]]
    left_running: list[int]
    files_before: dict[str, str]  # after the class was taken into submitted/, before any kernel ran
    files_after: dict[str, str]
    listener_reached: bool  # whether any kernel connected to a port listening on the machine's loopback


@dataclass
class Class:
    """The class graded in warm kernels, and its fresh-kernel sample (the whole class with --all-kernels)."""

    warm: Run
    fresh: Run

    @property
    def dir(self) -> Path:
        return self.warm.dir

    @property
    def rows(self) -> dict[str, dict[str, str]]:
        return self.warm.rows


def grade(course_dir: Path, folder: Path, kind: str, students: set[str] | None = None) -> Run:
    """A freshly released course graded with ``kind`` kernels: the class (or these students of it) written with
    their attacks aimed at this course, taken into submitted/ and fingerprinted, then autograded by the CLI."""
    released_course(course_dir)  # a copy of one release (tests/harness.py)
    listener = socket.create_server(("127.0.0.1", 0))  # a service on the grader's machine
    listener.setblocking(False)
    everyone: dict[str, tuple[str, dict[str, str], *tuple[list[str], ...]]] = {
        **HOSTILE, **HONEST, **(escapes(course_dir, listener.getsockname()[1]) if CONFINED else {})}
    for student, (assignment, answers, *_) in everyone.items():
        if students is None or student in students:
            released = course_dir / "release" / assignment / f"{course.NOTEBOOK}.ipynb"
            target = folder / student / assignment / f"{course.NOTEBOOK}.ipynb"
            target.parent.mkdir(parents=True)
            nbformat.write(fill(released, {**reference_answers(assignment), **answers}), target)
    collect(folder, course_dir, course.assignments())  # as autograde takes them in: the files it must keep
    before = fingerprint(course_dir)
    cli(course_dir, "autograde", str(folder), "--jobs", "2", "--kernel", kind)
    left = running(MARKER)
    scores = {(q["student"], q["grade_id"]): (float(q["score"]), float(q["max_score"]))
              for q in read(course_dir / "reports" / "questions.csv")}
    rows = {r["student"]: r for r in read(course_dir / "reports" / "grades.csv") if r["status"] != "missing_notebook"}
    try:
        listener.accept()
        reached = True
    except BlockingIOError:
        reached = False
    listener.close()
    return Run(course_dir, rows, scores, left, before, fingerprint(course_dir), reached)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, request) -> Class:
    """The hostile, escaping and honest class, released, submitted and autograded through the command line: in
    fresh kernels (FRESH_SAMPLE, or everyone with --all-kernels), then in warm ones, each in its own course."""
    sample = None if request.config.getoption("--all-kernels") else FRESH_SAMPLE
    fresh = grade(tmp_path_factory.mktemp("fresh") / "course", tmp_path_factory.mktemp("fresh_class"), "fresh",
                  sample)
    warm = grade(tmp_path_factory.mktemp("warm") / "course", tmp_path_factory.mktemp("warm_class"), "warm")
    return Class(warm, fresh)


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_a_hostile_submission_loses_what_it_was_after_and_is_flagged(graded, student):
    if student in NEEDS_SANDBOX and not CONFINED:
        pytest.skip("kernels cannot be sandboxed on this machine")
    rows, cells = graded.rows, graded.warm.scores
    _, _, targets = HOSTILE[student]
    won = [t for t in targets if cells[(student, t)][0] > 0]
    assert not won, f"{student} kept points on {won}"
    assert rows[student]["flags"], f"{student} was not flagged"


@pytest.mark.parametrize("student", sorted(HONEST))
def test_honest_work_keeps_every_point_and_no_flag(graded, student):
    rows, cells = graded.rows, graded.warm.scores
    lost = [g for (s, g), (score, top) in cells.items() if s == student and g.startswith("test_") and score < top]
    assert not lost and rows[student]["status"] == "ok"
    assert not rows[student]["flags"], rows[student]["flags"]


def test_warm_and_fresh_grading_kernels_give_every_cell_the_same_score(graded):
    """Every cell of every student graded in both kinds of kernel (the sample, or everyone) scores the same."""
    fresh = graded.fresh.scores
    assert {s for s, _ in fresh} >= FRESH_SAMPLE & set(graded.rows)
    assert {key: graded.warm.scores[key] for key in fresh} == fresh
    assert all(graded.fresh.rows[s]["flags"] == graded.rows[s]["flags"] for s in graded.fresh.rows)


needs_sandbox = pytest.mark.skipif(not CONFINED, reason="kernels cannot be sandboxed on this machine")


@needs_sandbox
@pytest.mark.parametrize("student", sorted(ESCAPES))
def test_an_escape_is_flagged_and_harms_nobody(graded, student):
    """Each escaping student solved everything: full marks (its own work is graded), a flag naming the attempt."""
    row = graded.rows[student]
    assert row["status"] == "ok" and float(row["score"]) == float(row["max_score"]) > 0, row
    assert ESCAPES[student][2] in row["flags"], row["flags"]


@needs_sandbox
def test_escapes_leave_the_gradebook_and_instructor_files_as_they_were(graded):
    assert graded.warm.files_after == graded.warm.files_before
    assert graded.fresh.files_after == graded.fresh.files_before
    assert set(graded.rows) >= {*HOSTILE, *HONEST, *ESCAPES}  # a row for everyone: the run was not lost
    scores = all_cell_scores(course.default_db_url(graded.dir), [(s, A01) for s in ESCAPES])
    assert all(scores[(s, A01)] for s in ESCAPES)  # the gradebook is still a database, their grades in it


@needs_sandbox
def test_what_a_kernel_writes_stays_in_its_scratch(graded):
    """Nothing a kernel wrote (links, litter, fill files) is in the graded copy the trusted side keeps."""
    released = graded.dir / "release" / A01
    expected = {p.relative_to(released).as_posix() for p in released.rglob("*") if "__pycache__" not in p.parts}
    for student in ESCAPES:
        folder = graded.dir / "autograded" / student / A01
        kept = {p.relative_to(folder).as_posix() for p in folder.rglob("*")}
        assert not [p for p in folder.rglob("*") if p.is_symlink()], student
        assert kept <= expected | {"timestamp.txt"}, (student, kept - expected)


@needs_sandbox
def test_memory_and_disk_are_bounded(graded):
    """The fill student wrote /tmp, /dev/shm and its folder until its scratch was full, and no further."""
    path = graded.dir / "autograded" / "fill_memory" / A01 / f"{course.NOTEBOOK}.ipynb"
    text = "".join(o.get("text", "") for c in nbformat.read(path, as_version=4).cells for o in c.get("outputs", []))
    written = int(text.split("WROTE ")[1].split()[0])
    scratch = Settings().scratch_mb * 2**20
    assert scratch // 2 <= written <= scratch, written


@needs_sandbox
def test_no_test_code_is_in_a_kernel_to_read(graded):
    """The checks run in the grader: a solution cell that searches its kernel's memory for them finds nothing."""
    path = graded.dir / "autograded" / "read_hidden" / A01 / f"{course.NOTEBOOK}.ipynb"
    text = "".join(o.get("text", "") for c in nbformat.read(path, as_version=4).cells for o in c.get("outputs", []))
    assert "HIDDEN CODE FOUND 0" in text


@needs_sandbox
def test_no_kernel_reaches_the_machines_network(graded):
    assert not graded.warm.listener_reached and not graded.fresh.listener_reached


@needs_sandbox
def test_nothing_a_kernel_started_outlives_it(graded):
    assert graded.warm.left_running == [] and graded.fresh.left_running == []
