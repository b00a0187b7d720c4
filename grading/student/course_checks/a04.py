"""Checks for exercise 04_parameter_tying: building a tied net, identity, tied names, training."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import cast

import torch
from torch import nn

from .a02 import registered, verify_linear
from .guard import checked
from .messages import fail, require
from .structure import expect_type, seeded, short, type_name, verify_fresh
from .student_call import call

TIED_LAYERS = "Linear(4, 8), ReLU, L, ReLU, L, ReLU, Linear(8, 1), L being one nn.Linear(8, 8)"


def tied_reference(seed: int) -> nn.Sequential:
    """The tied net of the lecture, built by the checks themselves."""
    with seeded(seed):
        shared = nn.Linear(8, 8)
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))


def verify_tied_net(net: object, what: str) -> None:
    """Structure of make_tied_net(): seven layers, positions 2 and 4 share weight and bias, nothing else shared."""
    if type(net) is not nn.Sequential:
        fail(what, "an nn.Sequential", type_name(net), "return nn.Sequential(...) of the seven layers")
    layers = [m for _, m in registered(net)]
    require(len(layers) == 7, f"{what}: number of layers", f"7: {TIED_LAYERS}", len(layers),
            "the shared layer L appears twice, each time followed by a ReLU")
    verify_linear(layers[0], 4, 8, f"{what}[0]")
    verify_linear(layers[2], 8, 8, f"{what}[2]")
    verify_linear(layers[4], 8, 8, f"{what}[4]")
    verify_linear(layers[6], 8, 1, f"{what}[6]")
    for i in (1, 3, 5):
        require(isinstance(layers[i], nn.ReLU), f"{what}[{i}]", "nn.ReLU()", type_name(layers[i]),
                f"the layers are {TIED_LAYERS}")
    for part in ("weight", "bias"):
        a, b = getattr(layers[2], part), getattr(layers[4], part)
        if a is not b:
            hint = ("equal values are a copy, not a tie: put one nn.Linear object at positions 2 and 4"
                    if a.shape == b.shape and torch.equal(a.detach(), b.detach())
                    else "create L = nn.Linear(8, 8) once and put it at positions 2 and 4")
            fail(f"{what}[2].{part} is {what}[4].{part}", True, False, hint)
    unique = len(list(net.parameters()))
    require(unique == 6, f"{what}: number of distinct parameters", 6, unique,
            "only the layers at positions 2 and 4 are tied; positions 0 and 6 have their own parameters")
    with seeded(7):
        x = torch.randn(5, 4)
    with torch.no_grad():
        out = net(x)
    require(tuple(out.shape) == (5, 1), f"{what}(X) for X of shape (5, 4)", (5, 1), tuple(out.shape),
            "the last layer is nn.Linear(8, 1)")


@checked
def check_make_tied_net(make_tied_net: Callable) -> None:
    """Visible test: the layers, the tie between positions 2 and 4, and new parameters per call."""
    with seeded(401):
        first, second = call(make_tied_net, what="make_tied_net()"), call(make_tied_net, what="make_tied_net()")
    verify_tied_net(first, "make_tied_net()")
    verify_fresh(first, second, "make_tied_net()")


def verify_same(same_parameter: Callable, a: object, b: object, expected: bool, label: str, hint: str) -> None:
    """same_parameter(a, b) must be the bool ``expected``."""
    what = f"same_parameter({label})"
    found = call(same_parameter, a, b, what=what)
    expect_type(found, bool, what, "return a Python bool: `a is b` is one")
    require(found is expected, what, expected, found, hint)


@checked
def check_same_parameter(same_parameter: Callable) -> None:
    """Visible test: a parameter with itself, the tied pair, another parameter, a copy, a view, equal values."""
    net = tied_reference(402)
    verify_same(same_parameter, net[2].weight, net[2].weight, True, "p, p", "a parameter is the same as itself")
    verify_same(same_parameter, net[2].weight, net[4].weight, True, "net[2].weight, net[4].weight of a tied net",
                "tied layers hold the very same parameter object")
    verify_same(same_parameter, net[0].weight, net[0].bias, False, "a weight, a bias", "different parameters")
    duplicate = copy.deepcopy(net[2].weight)
    verify_same(same_parameter, net[2].weight, duplicate, False, "p, copy.deepcopy(p)",
                "equal values do not make the same parameter: compare identity with `is`")
    view = nn.Parameter(cast(torch.Tensor, net[2].weight).data)
    verify_same(same_parameter, net[2].weight, view, False, "p, nn.Parameter(p.data) (another object, same memory)",
                "sharing memory is not being the same parameter: compare the objects with `is`, not data_ptr()")
    with torch.no_grad():
        a, b = nn.Parameter(torch.full((2, 2), 0.5)), nn.Parameter(torch.full((2, 2), 0.5))
    verify_same(same_parameter, a, b, False, "two parameters filled with 0.5", "equal values are not identity")


def verify_tied_pairs(tied_pairs: Callable, net: nn.Module, label: str) -> None:
    """tied_pairs(net) is the set of (earlier name, later name) pairs of every repeated parameter object."""
    named = list(net.named_parameters(remove_duplicate=False))  # before the student can change net
    expected = {(named[i][0], named[j][0]) for i in range(len(named)) for j in range(i + 1, len(named))
                if named[i][1] is named[j][1]}
    pointers = {name: p.data_ptr() for name, p in named}
    what = f"tied_pairs(net) on {label}"
    found = call(tied_pairs, net, what=what)
    expect_type(found, (set, frozenset), what, "return a set of (name_a, name_b) tuples")
    pairs = set()
    for item in set.__iter__(set(found)) if type(found) is frozenset else set.__iter__(found):
        if type(item) is not tuple or len(item) != 2 or not all(type(n) is str for n in item):
            fail(f"{what}: an element", "a tuple (name_a, name_b) of two str", f"{type_name(item)} {short(item)}",
                 "add tuples of two names, e.g. ('2.weight', '4.weight')")
        pairs.add(item)
    if pairs != expected:
        missing, extra = sorted(expected - pairs), sorted(pairs - expected)
        hint = "group the names of net.named_parameters(remove_duplicate=False) by parameter object (`is` or id)"
        if not pairs and expected:
            hint = "named_parameters() hides repeats by default: pass remove_duplicate=False"
        elif any((b, a) in expected for a, b in extra):
            hint = "put the name that comes first in named_parameters(remove_duplicate=False) first"
        elif any(a == b for a, b in extra):
            hint = "a name is not paired with itself"
        elif extra and all(a in pointers and pointers[a] == pointers.get(b) for a, b in extra):
            hint = ("sharing memory is not a tie: nn.Parameter(p.data) is another parameter with p's memory; "
                    "compare parameter objects with `is` (or id), not data_ptr()")
        elif extra:
            hint = "equal values are not a tie: compare parameter objects with `is` (or id), not their values"
        elif missing:
            hint = "a parameter used k times gives k*(k-1)/2 pairs: pair every two of its names"
        fail(what, f"{len(expected)} pairs {short(sorted(expected), 120)}",
             f"{len(pairs)} pairs; missing {short(missing, 100)}, unexpected {short(extra, 100)}", hint)


def three_uses(seed: int) -> nn.Sequential:
    """One Linear(4, 4) used three times."""
    with seeded(seed):
        shared = nn.Linear(4, 4)
        return nn.Sequential(nn.Linear(2, 4), shared, nn.ReLU(), shared, nn.ReLU(), shared, nn.Linear(4, 1))


def look_alikes(seed: int) -> nn.Sequential:
    """No tie at all: a layer, a deepcopy of it (equal values), and a layer whose weight is nn.Parameter(w.data)
    for the first layer's weight w (another object in the same memory)."""
    with seeded(seed):
        first, other = nn.Linear(4, 4), nn.Linear(4, 4)
    other.weight = nn.Parameter(first.weight.data)
    return nn.Sequential(first, nn.ReLU(), copy.deepcopy(first), nn.ReLU(), other)


@checked
def check_tied_pairs(tied_pairs: Callable) -> None:
    """Visible test: the lecture's tied net, a layer used three times, look-alikes that are not tied, an untied MLP."""
    verify_tied_pairs(tied_pairs, tied_reference(403), "the tied net")
    verify_tied_pairs(tied_pairs, three_uses(409), "a net that uses one Linear three times")
    verify_tied_pairs(tied_pairs, look_alikes(410), "a net with equal values and shared memory but no tie")
    with seeded(404):
        mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    verify_tied_pairs(tied_pairs, mlp, "an untied MLP")


def reference_training(net: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float,
                       per_name: bool = False) -> list[float]:
    """Plain full-batch SGD on the mean squared error, zeroing gradients each step: what train_tied must do.
    With ``per_name`` a tied parameter is updated once per name it has (the mistake a hint names)."""
    params = [p for _, p in net.named_parameters(remove_duplicate=not per_name)]
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(steps):
        net.zero_grad()
        loss = loss_fn(net(x), y)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.add_(cast(torch.Tensor, p.grad), alpha=-lr)  # backward() gave every parameter one
    return losses


def close(found: float, expected: float) -> bool:
    """Equal up to float32 rounding accumulated over a short training run."""
    return abs(found - expected) <= 1e-4 * abs(expected) + 1e-6


TIE_HINT = ("a tied parameter was updated once per name, so twice per step: update each distinct parameter once "
            "(net.parameters() lists it once, named_parameters(remove_duplicate=False) under every name)")


def verify_train_tied(train_tied: Callable, net: nn.Module, x: torch.Tensor, y: torch.Tensor,
                      steps: int | None, lr: float | None, label: str) -> None:
    """train_tied trains net in place exactly like plain SGD would, and the net stays tied."""
    reference, per_name = copy.deepcopy(net), copy.deepcopy(net)
    params_before = {name: p for name, p in net.named_parameters(remove_duplicate=False)}
    values_before = [p.detach().clone() for p in net.parameters()]
    args = [a for a in (steps, lr) if a is not None]
    expected = reference_training(reference, x, y, steps or 100, lr or 0.1)
    tied = len(params_before) > len(values_before)
    twice = reference_training(per_name, x, y, steps or 100, lr or 0.1, per_name=True) if tied else []
    what = f"train_tied(net, X, y{''.join(f', {a}' for a in args)}) on {label}"
    found = call(train_tied, net, x, y, *args, what=what)
    expect_type(found, list, what, "return a list of the losses")
    require(len(found) == len(expected), f"{what}: the number of losses", len(expected), len(found),
            "record one loss per step")
    for i, value in enumerate(found):
        expect_type(value, float, f"{what}: losses[{i}]", "store loss.item() (a Python float), not the loss tensor")
    for name, p in net.named_parameters(remove_duplicate=False):
        require(params_before.get(name) is p, f"{what}: parameter {name} after training",
                "the same nn.Parameter object as before", "a different object",
                "update the parameters in place (optimizer.step() or p -= ... under no_grad)")
    updated_twice = bool(twice) and all(close(a, b) for a, b in zip(found, twice))
    first_bad = next((i for i, (a, b) in enumerate(zip(found, expected)) if not close(a, b)), None)
    if first_bad is not None:
        i = first_bad
        hint = ("each step: zero the gradients, compute nn.MSELoss() on all of X, record loss.item(), backward, "
                "one plain SGD step")
        if updated_twice:
            hint = TIE_HINT
        elif i + 1 < len(expected) and close(found[i], expected[i + 1]):
            hint = "record each step's loss before that step's update, not after it"
        elif i == 0:
            hint = "losses[0] is the loss of the untrained net on all of X at once, with nn.MSELoss() (the mean)"
        fail(f"{what}: the loss of step {i}", f"{expected[i]:.6g}", f"{found[i]:.6g}", hint)
    if all(torch.equal(p.detach(), v) for p, v in zip(net.parameters(), values_before)):
        fail(f"{what}: the parameters after training", "changed by the training", "unchanged",
             "train `net` itself, in place, not a copy of it")
    for (name, p), q in zip(net.named_parameters(), reference.parameters()):
        if not torch.allclose(p.detach(), q.detach(), rtol=1e-4, atol=1e-6):
            fail(f"{what}: {name} after training", "the parameters plain SGD reaches", "other values",
                 TIE_HINT if updated_twice else "update each distinct parameter once per step: "
                 "optimizer = torch.optim.SGD(net.parameters(), lr=lr)")


def tied_data(seed: int, inputs: int, outputs: int, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A regression batch with fixed values."""
    with seeded(seed):
        x = torch.randn(batch, inputs)
        y = torch.randn(batch, outputs)
    return x, y


@checked
def check_train_tied(train_tied: Callable) -> None:
    """Visible test: the lecture's tied net, with the default and with given steps and lr."""
    x, y = tied_data(405, 4, 1, 32)
    verify_train_tied(train_tied, tied_reference(406), x, y, None, None, "the tied net")
    verify_train_tied(train_tied, tied_reference(407), x, y, 12, 0.05, "the tied net")
    net = tied_reference(408)
    call(train_tied, net, x, y, 3, 0.1, what="train_tied(net, X, y, 3, 0.1) on the tied net")
    require(net[2].weight is net[4].weight and net[2].bias is net[4].bias, "the tied net after train_tied",
            "still tied", "no longer tied", "update parameters in place; never assign new nn.Parameter objects")
