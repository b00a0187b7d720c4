"""The checks' guard and the receipts, in-process: what is put back, what a receipt must carry."""
from __future__ import annotations

import builtins
import os
import subprocess
import sys

import nbformat
import torch
from nbgrader.converters.autograde import Autograde
from torch import nn
from traitlets.config.loader import PyFileConfigLoader
from traitlets.utils.importstring import import_item

from course_checks import guard
from course_checks.a01 import check_count_parameters
from course_checks.student_call import call
from grading import course
from grading.outputs import BoundedExecute
from grading.receipts import NOT_RUN, RequireReceipts, expected_check
from grading.student.course_checks.receipt import ENV_KEY, RECEIPT, mac


def test_restore_puts_back_replaced_library_functions_and_names_them():
    torch.equal = lambda a, b: True
    builtins.sum = lambda *a, **k: 0
    torch.Tensor.std = lambda self, *a, **k: torch.tensor(0.01)  # shadows the inherited method
    put_back = guard.restore()
    assert {"torch.equal", "builtins.sum", "Tensor.std"} <= set(put_back)
    assert torch.equal(torch.zeros(1), torch.zeros(1)) and not torch.equal(torch.zeros(1), torch.ones(1))
    assert builtins.sum([1, 2]) == 3 and float(torch.tensor([1.0, 3.0]).std()) > 1
    assert guard.restore() == []


def test_a_patch_made_inside_student_code_is_undone_when_the_call_returns():
    def sneaky(net):
        builtins.sum = lambda *a, **k: 49
        return 49

    try:
        assert call(sneaky, nn.Linear(2, 3)) == 49
        assert builtins.sum([1, 2]) == 3
    finally:
        guard.restore()


def test_a_check_restores_before_it_runs_even_when_the_guard_module_is_patched(monkeypatch):
    monkeypatch.setattr(guard, "restore", lambda: [])  # the decorator holds its own reference
    original = builtins.sum
    builtins.sum = lambda *a, **k: 9  # would make any count look right
    try:
        check_count_parameters(lambda net: sum(p.numel() for p in net.parameters()))
        assert builtins.sum is original
    finally:
        builtins.sum = original


def test_the_grader_accepts_only_a_fresh_signed_receipt_of_the_cells_own_check(monkeypatch):
    monkeypatch.setenv(ENV_KEY, "k3y")

    def cell(grade_id: str, *outputs: dict) -> nbformat.NotebookNode:
        node = nbformat.v4.new_code_cell(f"check_{grade_id.removeprefix('test_')}(f)")
        node.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id, "points": 1}
        node.outputs = [nbformat.from_dict(o) for o in outputs]
        return node

    def receipt(check: str, serial: int, key: str = "k3y", restored: list | None = None, signed: list | None = None):
        return {"output_type": "display_data", "data": {"text/plain": "✔"}, "metadata": {RECEIPT: {
            "check": check, "serial": serial, "restored": restored or [],
            "mac": mac(key, check, serial, (restored or []) if signed is None else signed)}}}

    def verdicts(*cells: nbformat.NotebookNode) -> list[list[str]]:
        nb, _ = RequireReceipts().preprocess(nbformat.v4.new_notebook(cells=list(cells)), {})
        return [[o.get("ename") for o in c.outputs if o.output_type == "error"] for c in nb.cells]

    shapes, count = "check_param_shapes", "check_count_parameters"
    assert verdicts(cell("test_param_shapes", receipt(shapes, 1)),
                    cell("test_count_parameters", receipt(count, 2))) == [[], []]
    assert verdicts(cell("test_param_shapes")) == [[NOT_RUN]]  # no receipt
    assert verdicts(cell("test_param_shapes", receipt(count, 1))) == [[NOT_RUN]]  # another check's
    assert verdicts(cell("test_param_shapes", receipt(shapes, 1, key="guess"))) == [[NOT_RUN]]
    assert verdicts(cell("test_param_shapes", receipt(shapes, 1, restored=[], signed=["torch.equal"]))) == [[NOT_RUN]]
    assert verdicts(cell("test_param_shapes", receipt(shapes, 2)),  # shown again in a later cell
                    cell("test_param_shapes_hidden", receipt(shapes + "_hidden", 1))) == [[], [NOT_RUN]]
    assert verdicts(nbformat.v4.new_code_cell("x = 1"), cell("test_param_shapes", {
        "output_type": "error", "ename": "CheckFailed", "evalue": "", "traceback": []})) == [[], ["CheckFailed"]]
    assert expected_check("test_tied_pairs_hidden") == "check_tied_pairs_hidden"


def test_the_course_config_bounds_execution_and_adds_the_receipt_check_right_after_it(tmp_path, monkeypatch):
    course.prepare(tmp_path)
    monkeypatch.setattr(os, "environ", dict(os.environ))  # the config file sets variables and sys.path
    monkeypatch.setattr(sys, "path", list(sys.path))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    ours = [import_item(name) for name in config.Autograde.autograde_preprocessors]
    stock = list(Autograde().autograde_preprocessors)
    assert ours == [BoundedExecute, RequireReceipts, *stock[1:]] and issubclass(BoundedExecute, stock[0])


def test_a_kernel_hides_the_receipt_key_from_its_own_environment_even_unconfined():
    probe = ("import os\nfrom grading import kernel\nkernel.arm_checks()\n"
             "print('k3y-5ecret' in repr(dict(os.environ)), 'k3y-5ecret' in open('/proc/self/environ').read())")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=dict(os.environ, **{ENV_KEY: "k3y-5ecret"}), cwd=course.ROOT)
    assert done.stdout.split() == ["False", "False"], done.stderr[-2000:]
