"""Hidden tests of exercise 01: the student's functions on networks the notebook never shows."""
from __future__ import annotations

from collections.abc import Callable
from typing import cast

import torch
from torch import nn

from course_checks.a01 import (
    backward_once,
    verify_bias_values,
    verify_count_parameters,
    verify_has_no_grads,
    verify_param_shapes,
)
from course_checks.guard import checked
from course_checks.structure import seeded


def nested_net() -> nn.Sequential:
    """Nested Sequential blocks with a BatchNorm (buffers) and a frozen layer."""
    with seeded(11):
        inner = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU())
        net = nn.Sequential(inner, nn.Sequential(nn.Linear(5, 6), nn.Tanh()), nn.Linear(6, 2))
    cast(nn.Sequential, net[1])[0].requires_grad_(False)
    return net


def tied_net() -> nn.Sequential:
    """One Linear(6, 6) used three times, plus a bias-free layer."""
    with seeded(12):
        shared = nn.Linear(6, 6)
        return nn.Sequential(nn.Linear(2, 6), shared, nn.ReLU(), shared, shared, nn.Linear(6, 3, bias=False))


@checked
def check_param_shapes_hidden(param_shapes: Callable) -> None:
    """Nested names, BatchNorm buffers left out, a shared layer listed once, a conv kernel shape."""
    verify_param_shapes(param_shapes, nested_net(), "a nested net with BatchNorm and a frozen layer")
    verify_param_shapes(param_shapes, tied_net(), "a net with a layer used three times")
    with seeded(13):
        conv = nn.Sequential(nn.Conv2d(3, 4, kernel_size=(2, 3)), nn.Flatten(), nn.Linear(8, 5))
    verify_param_shapes(param_shapes, conv, "a Conv2d(3, 4, (2, 3)) net")


@checked
def check_count_parameters_hidden(count_parameters: Callable) -> None:
    """Frozen parameters count, buffers do not, a shared parameter counts once."""
    verify_count_parameters(count_parameters, nested_net(), "a nested net with BatchNorm and a frozen layer")
    verify_count_parameters(count_parameters, tied_net(), "a net with a layer used three times")
    with seeded(14):
        frozen = nn.Linear(7, 9).requires_grad_(False)
    verify_count_parameters(count_parameters, frozen, "a frozen Linear(7,9)")
    verify_count_parameters(count_parameters, nn.ReLU(), "nn.ReLU() (no parameters)")


@checked
def check_bias_values_hidden(bias_values: Callable) -> None:
    """Other indices and layers, float64, a BatchNorm bias, and a net that already has gradients."""
    with seeded(15):
        net = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3), nn.BatchNorm1d(3), nn.Linear(3, 2)).double()
    backward_once_double(net)
    verify_bias_values(bias_values, net, 0, "a 5-7-3 float64 net")
    verify_bias_values(bias_values, net, 3, "a 5-7-3 float64 net (a BatchNorm1d)")
    verify_bias_values(bias_values, net, 4, "a 5-7-3 float64 net")
    verify_bias_values(bias_values, tied_net(), 3, "a net with a layer used three times")


def backward_once_double(net: nn.Module) -> None:
    """Give every parameter of a float64 net with 5 inputs a gradient."""
    with seeded(16):
        x = torch.randn(4, 5, dtype=torch.float64)
    net(x).sum().backward()


@checked
def check_has_no_grads_hidden(has_no_grads: Callable) -> None:
    """One gradient anywhere makes it False; frozen layers and empty nets are handled."""
    net = nested_net()
    verify_has_no_grads(has_no_grads, net, True, "for a fresh nested net", "every .grad is None before backward")
    net[2].bias.grad = torch.zeros_like(cast(torch.Tensor, net[2].bias))
    verify_has_no_grads(has_no_grads, net, False, "when only the last bias holds a zero gradient",
                        "look at every parameter, and a tensor of zeros is a gradient")
    net.zero_grad()
    first = cast(nn.Linear, cast(nn.Sequential, net[0])[0])  # nested_net()'s first block starts with a Linear
    first.weight.grad = torch.ones_like(first.weight)
    verify_has_no_grads(has_no_grads, net, False, "when only the first weight holds a gradient",
                        "look at every parameter, including those of nested blocks")
    net.zero_grad()
    backward_once(net, 3)
    verify_has_no_grads(has_no_grads, net, False, "after backward() with a frozen layer",
                        "frozen parameters keep .grad None, but the others have gradients")
    verify_has_no_grads(has_no_grads, nn.ReLU(), True, "for nn.ReLU() (no parameters)",
                        "a module without parameters holds no gradient")
