"""Hidden tests of exercise 04: nets with other shapes, three uses, single-parameter ties, aliasing."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import cast

import torch
from torch import nn

from course_checks.a04 import tied_data, verify_same, verify_tied_net, verify_tied_pairs, verify_train_tied
from course_checks.guard import checked
from course_checks.structure import seeded, verify_fresh
from course_checks.student_call import call


def three_uses(seed: int) -> nn.Sequential:
    """One Linear(6, 6) used three times between a 3-input and a 2-output layer."""
    with seeded(seed):
        shared = nn.Linear(6, 6)
        return nn.Sequential(nn.Linear(3, 6), nn.Tanh(), shared, nn.Tanh(), shared, nn.Tanh(), shared,
                             nn.Linear(6, 2))


def weight_only_tie(seed: int) -> nn.Sequential:
    """Two layers share only their weight; a nested block holds one of them."""
    with seeded(seed):
        first, second = nn.Linear(5, 5), nn.Linear(5, 5)
        second.weight = first.weight
        return nn.Sequential(nn.Sequential(first, nn.ReLU()), nn.Sequential(nn.ReLU(), second), nn.Linear(5, 1))


@checked
def check_make_tied_net_hidden(make_tied_net: Callable) -> None:
    """Three calls in a row: each is tied inside, and none shares anything with another."""
    with seeded(411):
        nets = [call(make_tied_net) for _ in range(3)]
    for i, net in enumerate(nets):
        verify_tied_net(net, f"make_tied_net() (call {i + 1})")
    verify_fresh(nets[0], nets[2], "make_tied_net() (calls 1 and 3)")


@checked
def check_same_parameter_hidden(same_parameter: Callable) -> None:
    """A Parameter viewing the same memory, equal constant values, different shapes, a weight-only tie."""
    net = weight_only_tie(412)
    # weight_only_tie(): two blocks, the first starting and the second ending with a Linear
    first = cast(nn.Linear, cast(nn.Sequential, net[0])[0])
    second = cast(nn.Linear, cast(nn.Sequential, net[1])[1])
    verify_same(same_parameter, first.weight, second.weight, True, "weights tied by assignment",
                "layer_b.weight = layer_a.weight makes them one parameter")
    verify_same(same_parameter, first.bias, second.bias, False, "the untied biases", "different parameters")
    view = nn.Parameter(first.weight.data)
    verify_same(same_parameter, first.weight, view, False, "p, nn.Parameter(p.data) (same memory)",
                "sharing memory is not being the same parameter: compare objects with `is`, not data_ptr()")
    with torch.no_grad():
        a, b = nn.Parameter(torch.full((3, 3), 0.5)), nn.Parameter(torch.full((3, 3), 0.5))
    verify_same(same_parameter, a, b, False, "two parameters filled with 0.5", "equal values are not identity")
    verify_same(same_parameter, first.weight, net[2].weight, False, "a (5, 5) and a (1, 5) parameter",
                "parameters of different shapes are different parameters")
    verify_same(same_parameter, net[2].bias, copy.copy(net[2].bias), False, "p, copy.copy(p)",
                "a copy is a new object, even when it looks the same")
    empty_a, empty_b = nn.Parameter(torch.empty(0)), nn.Parameter(torch.empty(0))
    verify_same(same_parameter, empty_a, empty_b, False, "two empty parameters",
                "two objects are two parameters, even empty ones (whose data_ptr() is 0 for all)")


@checked
def check_tied_pairs_hidden(tied_pairs: Callable) -> None:
    """Three uses of one layer, a weight-only tie in nested blocks, equal but untied values, no parameters."""
    verify_tied_pairs(tied_pairs, three_uses(413), "a layer used three times")
    verify_tied_pairs(tied_pairs, weight_only_tie(414), "weight-only tie in nested blocks")
    with seeded(415):
        a = nn.Linear(4, 4)
    b = copy.deepcopy(a)
    verify_tied_pairs(tied_pairs, nn.Sequential(a, nn.ReLU(), b), "two untied layers with equal values")
    verify_tied_pairs(tied_pairs, nn.ReLU(), "nn.ReLU()")


@checked
def check_train_tied_hidden(train_tied: Callable) -> None:
    """Training a layer used three times and a weight-only tie, with other steps and learning rates."""
    x, y = tied_data(416, 3, 2, 16)
    verify_train_tied(train_tied, three_uses(417), x, y, 7, 0.05, "a layer used three times")
    x, y = tied_data(418, 5, 1, 24)
    verify_train_tied(train_tied, weight_only_tie(419), x, y, 15, 0.2, "weight-only tie")
