"""What a failing check shows a student: a short block, the lines of their own code when it raised, the
task to fix first when a helper of theirs is to blame; never a traceback through the checks."""
from __future__ import annotations

import pytest
from torch import nn

from course_checks import a02, a03
from course_checks.messages import WIDTH, CheckFailed, StudentCodeFailed


def failure(check, *functions) -> CheckFailed:
    """The failure a check raises on these student functions."""
    with pytest.raises(CheckFailed) as raised:
        check(*functions)
    return raised.value


def init_normal(m):
    """D2L's initialiser: misses a bias-free Linear."""
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, mean=0, std=0.01)
        nn.init.zeros_(m.bias)


def unimplemented(m):
    """The template's answer."""
    raise NotImplementedError()


def test_a_failure_is_a_short_block_that_ipython_shows_instead_of_a_traceback():
    shown = failure(a03.check_init_normal, lambda m: None)
    text = str(shown)
    lines = shown._render_traceback_()
    assert lines[0].endswith(text.splitlines()[0]) and "CheckFailed" in lines[0] and lines[1:] == text.splitlines()[1:]
    assert "expected:" in text and "found:" in text and "hint:" in text
    assert all(len(line) <= WIDTH for line in text.splitlines())
    assert len(lines[0]) - len("\x1b[1;31m\x1b[0m") <= WIDTH


def test_an_error_in_student_code_shows_their_lines_and_the_layer_not_the_checks():
    shown = failure(a03.check_init_normal, init_normal)
    text = " ".join(str(shown).split())
    assert isinstance(shown, StudentCodeFailed) and isinstance(shown.error, AttributeError)
    assert "at layer 5 (Linear(128, 100, bias=False))" in text and "if m.bias is not None" in text
    assert "in init_normal nn.init.zeros_(m.bias)" in text
    assert not any(f" {name}," in text for name in ("guard.py", "a03.py", "student_call.py", "messages.py"))


def test_an_unimplemented_task_says_so_and_points_at_the_line():
    text = " ".join(str(failure(a03.check_init_xavier, unimplemented)).split())
    assert text.startswith("unimplemented still raises NotImplementedError: replace that line with your code")
    assert "raise NotImplementedError()" in text


def test_a_failure_caused_by_the_students_block1_says_to_fix_block1_first():
    def block1():
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4))

    def block2(n=4):
        net = nn.Sequential()
        for i in range(n):
            net.add_module(f"block{i}", block1())
        return net

    def make_rgnet():
        return nn.Sequential(block2(), nn.Linear(4, 1))

    assert "fix block1() first" in " ".join(str(failure(a02.check_block2, block2, block1)).split())
    assert "fix block1() first" in " ".join(str(failure(a02.check_make_rgnet, make_rgnet, block2, block1)).split())


def test_a_failure_caused_by_the_students_block2_says_to_fix_block2_first():
    def block1():
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())

    def block2(n=4):
        return nn.Sequential(*[block1() for _ in range(n)])

    def make_rgnet():
        return nn.Sequential(block2(), nn.Linear(4, 1))

    text = " ".join(str(failure(a02.check_make_rgnet, make_rgnet, block2, block1)).split())
    assert "fix block2() first" in text


def test_a_failure_caused_by_the_students_init_xavier_says_to_fix_it_first():
    def init_xavier(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_normal_(m.weight)

    def init_42(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 42)

    def init_mixed(net):
        net[0].apply(init_xavier)
        net[-1].apply(init_42)

    text = " ".join(str(failure(a03.check_init_mixed, init_mixed, init_xavier, init_42)).split())
    assert "fix init_xavier first" in text


def test_a_helper_that_passes_its_own_test_is_not_blamed():
    def block1():
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())

    def block2(n=4):
        block = block1()
        return nn.Sequential(*[block for _ in range(n)])

    text = " ".join(str(failure(a02.check_block2, block2, block1)).split())
    assert "first" not in text and "add_module" in text
