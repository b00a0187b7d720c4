"""The checks' guard in a student's own kernel (what is put back), and the course's nbgrader configuration."""
from __future__ import annotations

import builtins
import os
import sys

import torch
from nbgrader.converters.autograde import Autograde
from torch import nn
from traitlets.config.loader import PyFileConfigLoader
from traitlets.utils.importstring import import_item

from course_checks import guard
from course_checks.a01 import check_count_parameters
from course_checks.student_call import call
from grading import course
from grading.pipeline.execute import BoundedExecute


def test_restore_puts_back_replaced_library_functions_and_names_them():
    torch.equal = lambda a, b: True  # type: ignore[assignment]  # the test patches torch on purpose
    builtins.sum = lambda *a, **k: 0  # type: ignore[assignment]  # the test patches builtins on purpose
    # shadows the inherited method; the test patches torch on purpose
    torch.Tensor.std = lambda self, *a, **k: torch.tensor(0.01)  # type: ignore[method-assign]
    put_back = guard.restore()
    assert {"torch.equal", "builtins.sum", "Tensor.std"} <= set(put_back)
    assert torch.equal(torch.zeros(1), torch.zeros(1)) and not torch.equal(torch.zeros(1), torch.ones(1))
    assert builtins.sum([1, 2]) == 3 and float(torch.tensor([1.0, 3.0]).std()) > 1
    assert guard.restore() == []


def test_restore_puts_back_a_function_s_code_a_deleted_name_and_removes_an_added_class_attribute():
    normal, code, equal = nn.init.normal_, nn.init.normal_.__code__, torch.equal
    nn.init.normal_.__code__ = (lambda tensor, mean=0.0, std=1.0, generator=None: tensor).__code__
    del torch.equal  # the test deletes it on purpose
    nn.Linear.train = lambda self, mode=True: self  # type: ignore[method-assign]  # shadows Module's, on purpose
    put_back = guard.restore()
    assert {"torch.nn.init.normal_.__code__", "torch.equal", "Linear.train"} <= set(put_back), put_back
    assert nn.init.normal_ is normal and normal.__code__ is code and torch.equal is equal
    assert "train" not in vars(nn.Linear) and not nn.Linear(2, 3).train(False).training
    assert guard.restore() == []


def test_a_patch_made_inside_student_code_is_undone_when_the_call_returns():
    def sneaky(net):
        builtins.sum = lambda *a, **k: 49  # type: ignore[assignment]  # a student's patch, on purpose
        return 49

    try:
        assert call(sneaky, nn.Linear(2, 3)) == 49
        assert builtins.sum([1, 2]) == 3
    finally:
        guard.restore()


def test_a_check_restores_before_it_runs_even_when_the_guard_module_is_patched(monkeypatch):
    monkeypatch.setattr(guard, "restore", lambda: [])  # the decorator holds its own reference
    original = builtins.sum
    builtins.sum = lambda *a, **k: 9  # type: ignore[assignment]  # on purpose: would make any count look right
    try:
        check_count_parameters(lambda net: sum(p.numel() for p in net.parameters()))
        assert builtins.sum is original
    finally:
        builtins.sum = original


def test_a_guard_stood_down_puts_nothing_back_and_the_checks_still_run():
    """What the grader does (grading/pipeline/judge.py: no student code runs there); a guard of its own here, so
    this process's guard keeps restoring."""
    own = guard._make_guard()
    checked_count = own.checked(check_count_parameters.__wrapped__)
    own.stand_down()
    equal = torch.equal
    torch.equal = lambda a, b: True  # type: ignore[assignment]  # the test patches torch on purpose
    try:
        assert own.restore() == [] and torch.equal(torch.zeros(1), torch.ones(1))
    finally:
        torch.equal = equal
    checked_count(lambda net: sum(p.numel() for p in net.parameters()))
    assert own.passing == ["check_count_parameters"]


def test_the_course_config_runs_our_execute_step_in_place_of_nbgraders(tmp_path, monkeypatch):
    course.prepare(tmp_path)
    monkeypatch.setattr(os, "environ", dict(os.environ))  # the config file sets variables and sys.path
    monkeypatch.setattr(sys, "path", list(sys.path))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    ours = [import_item(name) for name in config.Autograde.autograde_preprocessors]
    stock = list(Autograde().autograde_preprocessors)
    assert ours == [BoundedExecute, *stock[1:]] and issubclass(BoundedExecute, stock[0])
