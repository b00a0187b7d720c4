"""Sound statistical checks of initialised weights, with scipy.stats.

Every check is a test at level ALPHA = 1e-9: a correct initialisation fails it with
probability at most 1e-9 (the bound is written next to each one), while the usual mistakes
(a wrong std, a uniform instead of a normal, the wrong Xavier variant, the wrong zero
fraction) are far outside the accepted region on the large layers the checks build.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy import stats

from .messages import fail

ALPHA = 1e-9


def values(w: torch.Tensor) -> np.ndarray:
    """The weights as a flat float64 array."""
    return w.detach().to(torch.float64).reshape(-1).cpu().numpy()


def std_interval(n: int, sigma: float) -> tuple[float, float]:
    """Accepted range of sqrt(mean(w^2)) for n i.i.d. N(0, sigma^2) values.

    sum(w^2)/sigma^2 ~ chi2(n), so P(outside) = alpha/2 + alpha/2 = ALPHA exactly.
    """
    lo = stats.chi2.ppf(ALPHA / 2, n)
    hi = stats.chi2.isf(ALPHA / 2, n)
    return sigma * math.sqrt(lo / n), sigma * math.sqrt(hi / n)


def dkw_epsilon(n: int) -> float:
    """Largest accepted Kolmogorov-Smirnov distance: P(D_n > eps) <= 2 exp(-2 n eps^2) = ALPHA (DKW, Massart)."""
    return math.sqrt(math.log(2 / ALPHA) / (2 * n))


def count_interval(n: int, p: float) -> tuple[int, int]:
    """Accepted range of a Binomial(n, p) count: each tail outside it has probability <= ALPHA / 2."""
    return int(stats.binom.ppf(ALPHA / 2, n, p)), int(stats.binom.isf(ALPHA / 2, n, p))


def check_ks(x: np.ndarray, cdf, what: str, expected: str, hint: str) -> None:
    """Fail if the KS distance between the sample and the target CDF exceeds the DKW bound."""
    # Only the distance is used. method="asymp" gives the same statistic and skips the exact p-value, which costs
    # up to 75 ms for a layer's 65,536 values when the distance is large (a wrong answer).
    distance = stats.kstest(x, cdf, method="asymp").statistic
    eps = dkw_epsilon(x.size)
    if distance > eps:
        fail(f"distribution of {what}", f"{expected} (Kolmogorov-Smirnov distance <= {eps:.4f})",
             f"distance {distance:.4f}", hint)


def check_normal(w: torch.Tensor, sigma: float, what: str) -> None:
    """w looks like i.i.d. N(0, sigma^2): its std (chi-square bound) and its shape (DKW bound)."""
    x = values(w)
    lo, hi = std_interval(x.size, sigma)
    found = math.sqrt(float(np.mean(x * x)))
    if not lo <= found <= hi:
        hint = "pass std=0.01 (the standard deviation), not the variance"
        if found > hi:
            hint = "the standard deviation is too large: std=0.01"
        fail(f"std of {what}", f"{sigma:.4f} ± {(hi - lo) / 2:.4f}", f"{found:.4f}", hint)
    check_ks(x, stats.norm(0, sigma).cdf, what, f"N(0, {sigma}²)",
             "draw from a normal distribution (nn.init.normal_), not a uniform one")


def check_uniform(w: torch.Tensor, a: float, what: str, hint: str) -> None:
    """w looks like i.i.d. U(-a, a): every value in range and the right shape (DKW bound)."""
    x = values(w)
    low, high = float(x.min()), float(x.max())
    slack = 1e-6 * a
    if low < -a - slack or high > a + slack:
        fail(f"range of {what}", f"[-{a:.4f}, {a:.4f}]", f"[{low:.4f}, {high:.4f}]", hint)
    check_ks(x, stats.uniform(-a, 2 * a).cdf, what, f"U(-{a:.4f}, {a:.4f})", hint)


def check_mixture(w: torch.Tensor, what: str) -> None:
    """w looks like my_init's mixture: half exact zeros, a quarter U(5, 10), a quarter U(-10, -5)."""
    x = values(w)
    n = x.size
    zeros = int(np.sum(x == 0))
    lo, hi = count_interval(n, 0.5)
    if not lo <= zeros <= hi:
        fail(f"fraction of exact zeros in {what}", f"0.50 ({lo / n:.3f} to {hi / n:.3f})", f"{zeros / n:.3f}",
             "keep a value only when |w| >= 5 on U(-10, 10): that zeroes half of them, exactly")
    nonzero = x[x != 0]
    magnitudes = np.abs(nonzero)
    if magnitudes.size and (magnitudes.min() < 5 or magnitudes.max() > 10):
        fail(f"non-zero values of {what}", "|w| between 5 and 10", f"|w| from {magnitudes.min():.3f} "
             f"to {magnitudes.max():.3f}", "zero every value with |w| < 5, keep the others unchanged")
    positive = int(np.sum(nonzero > 0))
    lo, hi = count_interval(nonzero.size, 0.5)
    if not lo <= positive <= hi:
        fail(f"share of positive values among the non-zero ones in {what}", "0.50",
             f"{positive / max(nonzero.size, 1):.3f}", "draw from U(-10, 10), both signs equally likely")
    check_ks(magnitudes, stats.uniform(5, 5).cdf, f"|non-zero values| of {what}", "U(5, 10)",
             "the kept values must stay uniform: start from nn.init.uniform_(w, -10, 10)")
