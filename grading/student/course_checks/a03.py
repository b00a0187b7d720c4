"""Checks for exercise 03_initialisation: in-place initialisers for net.apply, and direct edits."""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from .guard import checked
from .messages import fail, require
from .stats import check_mixture, check_normal, check_uniform
from .structure import seeded
from .student_call import call

LARGE = 10_000  # statistics are checked on layers with at least this many weights


def xavier_bound(layer: nn.Linear) -> float:
    """a = sqrt(6 / (fan_in + fan_out)) for Xavier-uniform with gain 1."""
    return math.sqrt(6 / (layer.in_features + layer.out_features))


class Snapshot:
    """Every module's parameter objects, their values and flags, and its buffers, before an edit."""

    def __init__(self, net: nn.Module) -> None:
        self.net = net
        self.modules = list(net.named_modules())
        self.params = {(name, pname): (p, p.detach().clone(), p.requires_grad)
                       for name, m in self.modules for pname, p in m.named_parameters(recurse=False)}
        self.buffers = {(name, bname): b.clone() for name, m in self.modules for bname, b in m.named_buffers(recurse=False)}

    def before(self, name: str, pname: str) -> torch.Tensor:
        """The values a parameter had before the edit."""
        return self.params[(name, pname)][1]

    def verify_in_place(self, what: str) -> None:
        """Same Parameter objects, still leaves without history, requires_grad as before, buffers untouched."""
        for (name, pname), (param, _, requires_grad) in self.params.items():
            module = dict(self.net.named_modules())[name]
            label = f"{what}: {name + '.' if name else ''}{pname}"
            now = getattr(module, pname)
            require(now is param, label, "the same nn.Parameter object as before", "a new object",
                    "change the values in place (nn.init.*_, .data, or under torch.no_grad()); "
                    "do not assign a new nn.Parameter")
            require(param.grad_fn is None and param.is_leaf, f"{label}.grad_fn", None, type(param.grad_fn).__name__,
                    "edit the values under torch.no_grad() (or through .data) so autograd records nothing")
            require(param.requires_grad == requires_grad, f"{label}.requires_grad", requires_grad, param.requires_grad,
                    "leave requires_grad as it was")
        for (name, bname), saved in self.buffers.items():
            module = dict(self.net.named_modules())[name]
            require(torch.equal(getattr(module, bname), saved), f"{what}: buffer {name}.{bname}", "unchanged",
                    "changed", "only nn.Linear modules may change")

    def verify_unchanged(self, name: str, what: str, hint: str) -> None:
        """Every parameter of the module ``name`` still has its old values."""
        for (mname, pname), (param, saved, _) in self.params.items():
            if mname == name and not torch.equal(param.detach(), saved):
                fail(f"{what}: {name + '.' if name else ''}{pname}", "unchanged", "changed", hint)


def apply_init(fn: Callable, net: nn.Module, seed: int) -> Snapshot:
    """net.apply(fn) on a fixed seed, after taking a snapshot."""
    snapshot = Snapshot(net)
    with seeded(seed):
        try:
            call(net.apply, fn)
        except Exception as exc:
            hint = "read the error above"
            if isinstance(exc, AttributeError) and "NoneType" in str(exc):
                hint = "a Linear built with bias=False has m.bias None: guard with `if m.bias is not None`"
            fail(f"net.apply({getattr(fn, '__name__', 'fn')}) on a net with a bias-free Linear and other layers",
                 "no error", f"{type(exc).__name__}: {str(exc)[:80]}", hint)
    return snapshot


def verify_linear_init(fn: Callable, name: str, net: nn.Module, seed: int, label: str,
                       expect: Callable[[nn.Linear, Snapshot, str, str], None]) -> None:
    """net.apply(fn): every nn.Linear meets ``expect``; everything else is exactly as it was."""
    snapshot = apply_init(fn, net, seed)
    what = f"net.apply({name}) on {label}"
    snapshot.verify_in_place(what)
    for mname, module in snapshot.modules:
        if isinstance(module, nn.Linear):
            expect(module, snapshot, mname, what)
        elif any(True for _ in module.parameters(recurse=False)):
            snapshot.verify_unchanged(mname, what, f"only nn.Linear modules may change: test isinstance(m, nn.Linear), "
                                                   f"this is a {type(module).__name__}")


def layer_label(mname: str, module: nn.Linear) -> str:
    """'layer 0 (Linear 256×256)' for messages."""
    return f"layer {mname or 'net'} (Linear {module.out_features}×{module.in_features})"


def expect_all(w: torch.Tensor, value: float, what: str, hint: str) -> None:
    """Every entry equals ``value`` exactly."""
    if not bool((w.detach() == value).all()):
        found = w.detach().reshape(-1)
        bad = found[found != value]
        fail(what, f"every value {value:g}", f"{bad.numel()} of {found.numel()} differ, e.g. {float(bad[0]):.4g}", hint)


def bias_zero(module: nn.Linear, what: str, hint: str = "set the bias to 0 (nn.init.zeros_)") -> None:
    """The bias, if any, is all zeros."""
    if module.bias is not None:
        expect_all(module.bias, 0.0, f"{what} bias", hint)


def bias_unchanged(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    """The bias, if any, has its old values."""
    if module.bias is not None and not torch.equal(module.bias.detach(), snapshot.before(mname, "bias")):
        fail(f"{what} bias", "unchanged", "changed", "this initialiser changes only the weight")


def expect_normal(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    label = f"{what}, {layer_label(mname, module)}"
    if module.weight.numel() >= LARGE:
        check_normal(module.weight, 0.01, f"weights of {label}")
    require(not torch.equal(module.weight.detach(), snapshot.before(mname, "weight")), f"{label} weight",
            "new values", "the old values", "draw new weights with nn.init.normal_(m.weight, mean=0, std=0.01)")
    bias_zero(module, label)


def expect_constant(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    label = f"{what}, {layer_label(mname, module)}"
    expect_all(module.weight, 1.0, f"{label} weight", "set every weight to 1 (nn.init.constant_(m.weight, 1))")
    bias_zero(module, label)


def expect_xavier(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    label = f"{what}, {layer_label(mname, module)}"
    hint = "use nn.init.xavier_uniform_(m.weight) with gain 1: U(-a, a), a = sqrt(6 / (fan_in + fan_out))"
    if module.weight.numel() >= LARGE:
        check_uniform(module.weight, xavier_bound(module), f"weights of {label}", hint)
    else:
        range_only(module, label, hint)
    bias_unchanged(module, snapshot, mname, label)


def range_only(module: nn.Linear, label: str, hint: str) -> None:
    """On a small layer only the range of a Xavier-uniform draw can be checked."""
    a = xavier_bound(module)
    w = module.weight.detach()
    if float(w.abs().max()) > a * (1 + 1e-6):
        fail(f"range of weights of {label}", f"[-{a:.4f}, {a:.4f}]", f"max |w| = {float(w.abs().max()):.4f}", hint)


def expect_42(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    label = f"{what}, {layer_label(mname, module)}"
    expect_all(module.weight, 42.0, f"{label} weight", "set every weight to 42 (nn.init.constant_(m.weight, 42))")
    bias_unchanged(module, snapshot, mname, label)


def expect_mixture(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    label = f"{what}, {layer_label(mname, module)}"
    if module.weight.numel() >= LARGE:
        check_mixture(module.weight, f"weights of {label}")
    else:
        w = module.weight.detach().abs()
        kept = w[w != 0]
        if kept.numel() and (float(kept.min()) < 5 or float(kept.max()) > 10):
            fail(f"non-zero weights of {label}", "|w| between 5 and 10", f"|w| from {float(kept.min()):.3f}",
                 "zero every value with |w| < 5, keep the others")
    bias_unchanged(module, snapshot, mname, label)


EXPECT = {"init_normal": expect_normal, "init_constant": expect_constant, "init_xavier": expect_xavier,
          "init_42": expect_42, "my_init": expect_mixture}


def lecture_net(seed: int) -> nn.Sequential:
    """A 256-256-256-10 MLP with a ReLU between layers: large enough for the statistics."""
    with seeded(seed):
        return nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def check_init(name: str, fn: Callable, seed: int) -> None:
    """Visible test of one initialiser: net.apply(fn) on the lecture's kind of MLP."""
    verify_linear_init(fn, name, lecture_net(seed), seed + 1, "a 256-256-256-10 MLP", EXPECT[name])


@checked
def check_init_normal(init_normal: Callable) -> None:
    """Visible test: weights N(0, 0.01²), biases 0."""
    check_init("init_normal", init_normal, 301)


@checked
def check_init_constant(init_constant: Callable) -> None:
    """Visible test: weights 1, biases 0."""
    check_init("init_constant", init_constant, 303)


@checked
def check_init_xavier(init_xavier: Callable) -> None:
    """Visible test: weights Xavier-uniform, biases unchanged."""
    check_init("init_xavier", init_xavier, 305)


@checked
def check_init_42(init_42: Callable) -> None:
    """Visible test: weights 42, biases unchanged."""
    check_init("init_42", init_42, 307)


@checked
def check_my_init(my_init: Callable) -> None:
    """Visible test: the mixture of zeros and U(±[5, 10]), biases unchanged."""
    check_init("my_init", my_init, 309)


def verify_init_mixed(init_mixed: Callable, net: nn.Sequential, seed: int, label: str) -> None:
    """init_mixed(net): Xavier on net[0], 42 on net[-1], everything else exactly as it was."""
    snapshot = Snapshot(net)
    with seeded(seed):
        call(init_mixed, net)
    what = f"init_mixed({label})"
    snapshot.verify_in_place(what)
    names = [n for n, _ in net.named_children()]
    expect_xavier(net[0], snapshot, names[0], what)
    expect_42(net[-1], snapshot, names[-1], what)
    for mname, module in snapshot.modules:
        if mname and mname.split(".")[0] not in (names[0], names[-1]):
            snapshot.verify_unchanged(mname, what, "change only net[0] and net[-1]")


@checked
def check_init_mixed(init_mixed: Callable) -> None:
    """Visible test: the lecture's MLP after init_mixed."""
    verify_init_mixed(init_mixed, lecture_net(311), 312, "a 256-256-256-10 MLP")


def verify_shift_and_pin(shift_and_pin: Callable, net: nn.Sequential, label: str) -> None:
    """shift_and_pin(net): net[0].weight + 1 everywhere, then 42 at [0, 0]; nothing else changes."""
    snapshot = Snapshot(net)
    first = [n for n, _ in net.named_children()][0]
    expected = snapshot.before(first, "weight") + 1
    expected[0, 0] = 42
    call(shift_and_pin, net)
    what = f"shift_and_pin({label})"
    snapshot.verify_in_place(what)
    w = net[0].weight.detach()
    require(float(w[0, 0]) == 42.0, f"{what}: net[0].weight[0, 0]", 42.0, float(w[0, 0]),
            "first add 1 to every weight, then set [0, 0] to 42 (43 means the order was swapped)")
    if not torch.allclose(w, expected, rtol=0, atol=1e-6):
        fail(f"{what}: net[0].weight", "every old value + 1 (and 42 at [0, 0])", "other values",
             "add 1 to every weight of net[0] in place: net[0].weight += 1 under torch.no_grad()")
    for mname, _ in snapshot.modules:
        if mname != first:
            snapshot.verify_unchanged(mname, what, "change only net[0].weight")
    if net[0].bias is not None and not torch.equal(net[0].bias.detach(), snapshot.before(first, "bias")):
        fail(f"{what}: net[0].bias", "unchanged", "changed", "change only the weight of net[0]")


@checked
def check_shift_and_pin(shift_and_pin: Callable) -> None:
    """Visible test: a small MLP."""
    with seeded(313):
        net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    verify_shift_and_pin(shift_and_pin, net, "Linear(4,8)-ReLU-Linear(8,1)")
