"""Hidden tests of exercise 02: other block counts, independence, lookups and counts on unseen nets."""
from __future__ import annotations

from collections.abc import Callable

from torch import nn

from course_checks.a02 import (
    verify_block1_structure,
    verify_block2,
    verify_block2_calls,
    verify_count_modules,
    verify_get_param,
    verify_get_param_missing,
    verify_rgnet_calls,
)
from course_checks.guard import checked
from course_checks.structure import seeded, verify_fresh
from course_checks.student_call import call


class ScaledLinear(nn.Linear):
    """A subclass of nn.Linear: counts as a Linear for isinstance."""


@checked
def check_block1_hidden(block1: Callable) -> None:
    """Three calls in a row: every block has the right layers and its own parameters."""
    with seeded(121):
        blocks = [call(block1, what="block1()") for _ in range(3)]
    for i, block in enumerate(blocks):
        verify_block1_structure(block, f"block1() (call {i + 1})")
    verify_fresh(blocks[0], blocks[2], "block1() (calls 1 and 3)")


@checked
def check_block2_hidden(block2: Callable, block1: Callable) -> None:
    """Other values of n, and two calls that must not share anything."""
    for n in (1, 3, 7):
        verify_block2(block2, n, block1)
    verify_block2_calls(block2, block1, 3)


@checked
def check_make_rgnet_hidden(make_rgnet: Callable, block2: Callable, block1: Callable) -> None:
    """Two nets from two calls, on other seeds, are independent."""
    verify_rgnet_calls(make_rgnet, block2, block1, 131)


def rg_like() -> nn.Sequential:
    """A three-level net with a BatchNorm and a layer shared by two parents."""
    with seeded(141):
        shared = nn.Linear(6, 6)
        net = nn.Sequential(
            nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.Sequential(shared, nn.ReLU())),
            nn.Sequential(shared, nn.Tanh()),
            nn.Linear(6, 2),
        )
    return net


@checked
def check_get_param_hidden(get_param: Callable) -> None:
    """Deep names, a BatchNorm weight, both names of a shared layer; buffer and module names raise KeyError."""
    net = rg_like()
    for name in ("0.0.weight", "0.1.weight", "0.2.0.bias", "1.0.weight", "2.bias"):
        verify_get_param(get_param, net, name, "a three-level net")
    verify_get_param(get_param, nn.Linear(2, 3), "weight", "nn.Linear(2, 3)")
    for missing in ("0.1.running_mean", "0.2", "3.weight", "weight", ""):
        verify_get_param_missing(get_param, net, missing, "a three-level net")


@checked
def check_count_modules_hidden(count_modules: Callable) -> None:
    """Subclasses count, shared modules count once, the root counts, nn.Module counts everything."""
    net = rg_like()
    net.append(ScaledLinear(2, 2))
    for kind in (nn.Linear, nn.Sequential, nn.Module, nn.BatchNorm1d, nn.Conv2d):
        verify_count_modules(count_modules, net, kind, "a net with a shared layer and a Linear subclass")
    verify_count_modules(count_modules, nn.ReLU(), nn.ReLU, "nn.ReLU()")
