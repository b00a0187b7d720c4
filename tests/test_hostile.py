"""Hostile submissions, graded as a class is: `python -m grading autograde` in sandboxed grading kernels
(warm ones, and fresh ones, which must agree on every cell).

Each hostile student answers one function wrongly and tries to make its tests pass anyway
(monkeypatching what the checks call, replacing the checks, hijacking the IPython shell,
faking return types, reading the solutions). Every one must lose the points it was after
*and* be flagged for the instructor; honest students who print, warn, seed or use
``isinstance`` and ``is`` keep every point and get no flag.
"""
from __future__ import annotations

import nbformat
import pytest

from grading import course, sandbox
from grading.submissions import fill, reference_answers
from grading.tables import read
from harness import cli

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
CONFINED = not sandbox.probe().startswith("unconfined")
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


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The hostile and honest class, released, submitted and autograded through the command line."""
    course_dir = tmp_path_factory.mktemp("hostile_course")
    cli(course_dir, "release")
    submissions = tmp_path_factory.mktemp("hostile_class")
    for student, (assignment, answers, *_) in {**HOSTILE, **HONEST}.items():
        released = course_dir / "release" / assignment / f"{course.NOTEBOOK}.ipynb"
        target = submissions / student / assignment / f"{course.NOTEBOOK}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(fill(released, {**reference_answers(assignment), **answers}), target)
    graded = {}
    for kind in ("fresh", "warm"):  # warm last: its rows are the ones judged below
        cli(course_dir, "autograde", str(submissions), "--jobs", "2", "--kernel", kind)
        graded[kind] = {(q["student"], q["grade_id"]): (float(q["score"]), float(q["max_score"]))
                        for q in read(course_dir / "reports" / "questions.csv")}
    rows = {r["student"]: r for r in read(course_dir / "reports" / "grades.csv")
            if r["status"] != "missing_notebook"}
    return rows, graded["warm"], graded["fresh"]


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_a_hostile_submission_loses_what_it_was_after_and_is_flagged(graded, student):
    if student in NEEDS_SANDBOX and not CONFINED:
        pytest.skip("kernels cannot be sandboxed on this machine")
    rows, cells, _ = graded
    _, _, targets = HOSTILE[student]
    won = [t for t in targets if cells[(student, t)][0] > 0]
    assert not won, f"{student} kept points on {won}"
    assert rows[student]["flags"], f"{student} was not flagged"


@pytest.mark.parametrize("student", sorted(HONEST))
def test_honest_work_keeps_every_point_and_no_flag(graded, student):
    rows, cells, _ = graded
    lost = [g for (s, g), (score, top) in cells.items() if s == student and g.startswith("test_") and score < top]
    assert not lost and rows[student]["status"] == "ok"
    assert not rows[student]["flags"], rows[student]["flags"]


def test_warm_and_fresh_grading_kernels_give_every_cell_the_same_score(graded):
    _, warm, fresh = graded
    assert warm == fresh
