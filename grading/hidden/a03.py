"""Hidden tests of exercise 03: nested nets with other layer kinds, a Linear subclass, no bias, frozen weights."""
from __future__ import annotations

from collections.abc import Callable

from torch import nn

from course_checks.a03 import (
    EXPECT,
    RANDOM,
    verify_global_rng,
    verify_init_mixed,
    verify_linear_init,
    verify_shift_and_pin,
    with_own_values,
)
from course_checks.guard import checked
from course_checks.structure import seeded


class ScaledLinear(nn.Linear):
    """A subclass of nn.Linear: an initialiser must treat it as a Linear."""


MIXED_NET = "a nested net with BatchNorm, LayerNorm, a Linear subclass, a bias-free and a frozen layer"


def mixed_net(seed: int) -> nn.Sequential:
    """MIXED_NET: a 300×200 Linear, BatchNorm, LayerNorm, a Linear subclass, no bias, a frozen weight."""
    with seeded(seed):
        net = nn.Sequential(
            nn.Sequential(nn.Linear(200, 300), nn.BatchNorm1d(300), nn.ReLU()),
            nn.Sequential(ScaledLinear(300, 64), nn.LayerNorm(64)),
            nn.Linear(64, 32, bias=False),
            nn.Linear(32, 16),
        )
    net[3].weight.requires_grad_(False)
    return with_own_values(net, seed)


def check_hidden(name: str, fn: Callable, seed: int) -> None:
    """One initialiser on the mixed net, twice with different seeds, then the random generator."""
    for k in range(2):
        verify_linear_init(fn, name, mixed_net(seed + k), seed + 10 + k, MIXED_NET, EXPECT[name])
    if name in RANDOM:
        verify_global_rng(fn, name, (40, 25), (seed, seed + 1))


@checked
def check_init_normal_hidden(init_normal: Callable) -> None:
    check_hidden("init_normal", init_normal, 321)


@checked
def check_init_constant_hidden(init_constant: Callable) -> None:
    check_hidden("init_constant", init_constant, 323)


@checked
def check_init_xavier_hidden(init_xavier: Callable) -> None:
    check_hidden("init_xavier", init_xavier, 325)


@checked
def check_init_42_hidden(init_42: Callable) -> None:
    check_hidden("init_42", init_42, 327)


@checked
def check_my_init_hidden(my_init: Callable) -> None:
    check_hidden("my_init", my_init, 329)


@checked
def check_init_mixed_hidden(init_mixed: Callable, init_xavier: Callable, init_42: Callable) -> None:
    """Two middle Linears and a BatchNorm that must stay untouched, and a small last layer."""
    with seeded(331):
        net = nn.Sequential(nn.Linear(200, 300), nn.ReLU(), nn.Linear(300, 300), nn.BatchNorm1d(300), nn.ReLU(),
                            nn.Linear(300, 300), nn.ReLU(), nn.Linear(300, 5))
    verify_init_mixed(init_mixed, with_own_values(net, 331), 332, "a 200-300-300-300-5 MLP with a BatchNorm1d",
                      init_xavier, init_42)


@checked
def check_shift_and_pin_hidden(shift_and_pin: Callable) -> None:
    """Another shape, float64, a frozen first layer, and a second call on the same net."""
    with seeded(333):
        net = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    verify_shift_and_pin(shift_and_pin, net, "a float64 3-5-2 MLP")
    verify_shift_and_pin(shift_and_pin, net, "the same net again")
    with seeded(334):
        frozen = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 1))
    frozen[0].weight.requires_grad_(False)
    verify_shift_and_pin(shift_and_pin, frozen, "a net whose first weight is frozen")
