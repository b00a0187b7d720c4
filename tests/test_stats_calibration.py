"""Calibration of the statistical checks: the false-fail bound of each, and its power on the usual mistakes."""
from __future__ import annotations

import math

import pytest
import torch
from scipy import stats
from torch import nn

from course_checks.a03 import LARGE, mixed_mlp, mlp, rules_net
from course_checks.messages import CheckFailed
from course_checks.stats import (
    ALPHA,
    check_mixture,
    check_normal,
    check_uniform,
    count_interval,
    dkw_epsilon,
    std_interval,
)
from grading.hidden.a03 import mixed_net

# every weight shape on which the visible and hidden checks test statistics (at least LARGE values)
SIZES = [(256, 256), (256, 128), (128, 256), (100, 128), (300, 200), (64, 300)]
CORRECT_SEEDS = range(50)
WRONG_SEEDS = range(20)


def test_chi_square_std_bound_is_alpha():
    for out_f, in_f in SIZES:
        n = out_f * in_f
        lo, hi = std_interval(n, 0.01)
        false_fail = stats.chi2.cdf(n * (lo / 0.01) ** 2, n) + stats.chi2.sf(n * (hi / 0.01) ** 2, n)
        assert false_fail <= ALPHA * (1 + 1e-6)


def test_dkw_bound_is_alpha():
    for out_f, in_f in SIZES:
        n = out_f * in_f
        assert 2 * math.exp(-2 * n * dkw_epsilon(n) ** 2) <= ALPHA * (1 + 1e-9)


def test_binomial_bounds_are_alpha():
    for n in (out_f * in_f for out_f, in_f in SIZES):
        lo, hi = count_interval(n, 0.5)
        assert stats.binom.cdf(lo - 1, n, 0.5) + stats.binom.sf(hi, n, 0.5) <= ALPHA


def test_sizes_are_every_layer_the_checks_test_statistics_on():
    nets = (mlp(0), rules_net(0), mixed_mlp(0), mixed_net(0))
    shapes = {tuple(m.weight.shape) for net in nets for m in net.modules()
              if isinstance(m, nn.Linear) and m.weight.numel() >= LARGE}
    assert shapes <= set(SIZES)


def weights(shape: tuple[int, int], seed: int, draw) -> torch.Tensor:
    """A Linear weight of the given shape filled by ``draw`` from a fixed seed."""
    torch.manual_seed(seed)
    layer = nn.Linear(shape[1], shape[0])
    with torch.no_grad():
        draw(layer.weight)
    return layer.weight


def xavier_a(w: torch.Tensor) -> float:
    return math.sqrt(6 / sum(w.shape))


def d2l_mixture(w: torch.Tensor, threshold: float = 5.0) -> None:
    nn.init.uniform_(w, -10, 10)
    w *= w.abs() >= threshold


NORMAL_WRONG = {
    "std 0.02": lambda w: nn.init.normal_(w, 0, 0.02),
    "std 0.1": lambda w: nn.init.normal_(w, 0, 0.1),
    "variance given as std": lambda w: nn.init.normal_(w, 0, 1e-4),
    "uniform with std 0.01": lambda w: nn.init.uniform_(w, -0.01 * math.sqrt(3), 0.01 * math.sqrt(3)),
    "mean 0.01": lambda w: nn.init.normal_(w, 0.01, 0.01),
}
XAVIER_WRONG = {
    "xavier normal": nn.init.xavier_normal_,
    "gain sqrt(2)": lambda w: nn.init.xavier_uniform_(w, gain=math.sqrt(2)),
    "kaiming uniform": nn.init.kaiming_uniform_,
    "fan_in only": lambda w: nn.init.uniform_(w, -math.sqrt(6 / w.shape[1]), math.sqrt(6 / w.shape[1])),
    "gain 0.9": lambda w: nn.init.xavier_uniform_(w, gain=0.9),
}
MIXTURE_WRONG = {
    "zero fraction 1/4": lambda w: d2l_mixture(w, 2.5),
    "zero fraction 3/4": lambda w: d2l_mixture(w, 7.5),
    "no zeros": lambda w: nn.init.uniform_(w, -10, 10),
    "positive only": lambda w: (nn.init.uniform_(w, 0, 10), w.mul_(w >= 5)),
    "normal magnitudes": lambda w: (nn.init.normal_(w, 0, 1), w.copy_(torch.where(w.abs() > 0.6745, 7.5 +
                                    torch.randn_like(w).clamp(-2.4, 2.4), torch.zeros_like(w)) * w.sign())),
}


@pytest.mark.parametrize("shape", SIZES)
def test_correct_draws_always_pass(shape):
    for seed in CORRECT_SEEDS:
        check_normal(weights(shape, seed, lambda w: nn.init.normal_(w, 0, 0.01)), 0.01, "w")
        w = weights(shape, seed, nn.init.xavier_uniform_)
        check_uniform(w, xavier_a(w), "w", "")
        check_mixture(weights(shape, seed, d2l_mixture), "w")


@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("name", sorted(NORMAL_WRONG))
def test_normal_check_rejects(shape, name):
    for seed in WRONG_SEEDS:
        with pytest.raises(CheckFailed):
            check_normal(weights(shape, seed, NORMAL_WRONG[name]), 0.01, "w")


@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("name", sorted(XAVIER_WRONG))
def test_xavier_check_rejects(shape, name):
    for seed in WRONG_SEEDS:
        w = weights(shape, seed, XAVIER_WRONG[name])
        with pytest.raises(CheckFailed):
            check_uniform(w, xavier_a(w), "w", "")


@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("name", sorted(MIXTURE_WRONG))
def test_mixture_check_rejects(shape, name):
    for seed in WRONG_SEEDS:
        with pytest.raises(CheckFailed):
            check_mixture(weights(shape, seed, MIXTURE_WRONG[name]), "w")
