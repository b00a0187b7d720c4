"""Checks for exercise 03_initialisation: in-place initialisers for net.apply, and direct edits.

``init_mixed`` applies the student's ``init_xavier`` and ``init_42``: when a layer it initialised
is wrong and that helper fails its own test too, the failure says so, and the student fixes the
helper first.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TypeVar, cast

import torch
from torch import nn

from .guard import checked
from .messages import CheckFailed, StudentCodeFailed, fail, require, safe_str
from .stats import check_mixture, check_normal, check_uniform
from .structure import CustomLinear, blame, describe, seeded
from .student_call import call

LARGE = 10_000  # statistics are checked on layers with at least this many weights


def xavier_bound(layer: nn.Linear) -> float:
    """a = sqrt(6 / (fan_in + fan_out)) for Xavier-uniform with gain 1."""
    return math.sqrt(6 / (layer.in_features + layer.out_features))


def layer_label(mname: str, module: nn.Module) -> str:
    """'layer 3 (CustomLinear(256, 128))' for messages."""
    return f"layer {mname or 'net'} ({describe(module)})"


class Snapshot:
    """Every module's parameter objects, their values and flags, and its buffers, before an edit."""

    def __init__(self, net: nn.Module) -> None:
        self.net = net
        self.modules = list(net.named_modules())
        self.params = {(name, pname): (p, p.detach().clone(), p.requires_grad)
                       for name, m in self.modules for pname, p in m.named_parameters(recurse=False)}
        self.buffers = {(name, bname): b.clone() for name, m in self.modules
                        for bname, b in m.named_buffers(recurse=False)}

    def before(self, name: str, pname: str) -> torch.Tensor:
        """The values a parameter had before the edit."""
        return self.params[(name, pname)][1]

    def verify_in_place(self, what: str) -> None:
        """Same Parameter objects, still leaves without history, requires_grad as before, buffers untouched."""
        modules = dict(self.modules)
        for (name, pname), (param, _, requires_grad) in self.params.items():
            label = f"{what}: {name + '.' if name else ''}{pname}"
            now = getattr(modules[name], pname)
            require(now is param, label, "the same nn.Parameter object as before", "a new object",
                    "change the values in place (nn.init.*_, .data, or under torch.no_grad()); "
                    "do not assign a new nn.Parameter")
            require(param.grad_fn is None and param.is_leaf, f"{label}.grad_fn", None, type(param.grad_fn).__name__,
                    "edit the values under torch.no_grad() (or through .data) so autograd records nothing")
            require(param.requires_grad == requires_grad, f"{label}.requires_grad", requires_grad, param.requires_grad,
                    "leave requires_grad as it was")
        for (name, bname), saved in self.buffers.items():
            module = modules[name]
            require(torch.equal(getattr(module, bname), saved), f"{what}: buffer {name}.{bname}", "unchanged",
                    "changed", f"only nn.Linear modules may change, and {layer_label(name, module)} is not one")

    def verify_unchanged(self, name: str, what: str, hint: str) -> None:
        """Every parameter of the module ``name`` still has its old values."""
        for (mname, pname), (param, saved, _) in self.params.items():
            if mname == name and not torch.equal(param.detach(), saved):
                fail(f"{what}: {name + '.' if name else ''}{pname}", "unchanged", "changed", hint)

    def verify_initialised(self, name: str, module: nn.Linear, what: str, fn_name: str) -> None:
        """A Linear's weight has new values; if not, say which layer was left alone and the likely reason."""
        if not torch.equal(module.weight.detach(), self.before(name, "weight")):
            return
        kind = type(module).__name__
        if type(module) is not nn.Linear:
            hint = (f"{kind} is a subclass of nn.Linear, so it must be initialised too: test isinstance(m, nn.Linear); "
                    "type(m) == nn.Linear is False for a subclass")
        elif not module.weight.requires_grad:
            hint = ("this weight is frozen (requires_grad=False) and must be initialised all the same "
                    "(nn.init.*_ and .data work on it)")
        else:
            hint = "every nn.Linear must be initialised: test isinstance(m, nn.Linear)"
        fail(f"{what}: {layer_label(name, module)}", f"{fn_name} sets its weight", "its old weight: "
             f"{fn_name} left this layer as it was", hint)


def apply_init(fn: Callable, name: str, net: nn.Module, seed: int, what: str) -> Snapshot:
    """net.apply(fn) on a fixed seed, after taking a snapshot; an error names the layer it happened on.

    At grading time ``fn`` stands for the student's function in their kernel, and ``fn.apply_in_kernel(net)`` runs
    the whole net.apply there in one call (not one call per module); its error names the module it was at."""
    snapshot = Snapshot(net)
    names = {id(m): n for n, m in snapshot.modules}
    current: list[nn.Module] = []

    def each(module: nn.Module) -> None:
        """fn(module), remembering which module it ran on."""
        current[:] = [module]
        fn(module)

    in_kernel = getattr(fn, "apply_in_kernel", None)
    with seeded(seed):
        try:
            if in_kernel is None:
                call(net.apply, each, what=what)
            else:
                call(in_kernel, net, what=what)
        except StudentCodeFailed as failure:
            at = getattr(failure.error, "at", None)  # in the grader: the name of the module the kernel was at
            module = current[0] if in_kernel is None else dict(snapshot.modules).get(at, net)
            hint = ""
            if isinstance(failure.error, AttributeError) and "NoneType" in safe_str(failure.error) \
                    and isinstance(module, nn.Linear) and module.bias is None:
                hint = "this Linear has bias=False, so m.bias is None: guard with `if m.bias is not None`"
            raise StudentCodeFailed(f"{what}, at {layer_label(names.get(id(module), '?'), module)},",
                                    failure.error, hint) from None
    return snapshot


def verify_linear_init(fn: Callable, name: str, net: nn.Module, seed: int, label: str,
                       expect: Callable[[nn.Linear, Snapshot, str, str], None]) -> None:
    """net.apply(fn): every nn.Linear meets ``expect``; everything else is exactly as it was."""
    what = f"net.apply({name}) on {label}"
    snapshot = apply_init(fn, name, net, seed, what)
    snapshot.verify_in_place(what)
    for mname, module in snapshot.modules:
        if isinstance(module, nn.Linear):
            snapshot.verify_initialised(mname, module, what, name)
            expect(module, snapshot, mname, what)
        elif any(True for _ in module.parameters(recurse=False)):
            snapshot.verify_unchanged(mname, what, f"only nn.Linear modules may change, and "
                                                   f"{layer_label(mname, module)} is not one")


def expect_all(w: torch.Tensor, value: float, what: str, hint: str) -> None:
    """Every entry equals ``value`` exactly."""
    if not bool((w.detach() == value).all()):
        found = w.detach().reshape(-1)
        bad = found[found != value]
        fail(what, f"every value {value:g}", f"{bad.numel()} of {found.numel()} differ, e.g. {float(bad[0]):.4g}", hint)


def bias_zero(module: nn.Linear, what: str, hint: str = "set the bias to 0 (nn.init.zeros_)") -> None:
    """The bias, if any, is all zeros."""
    if module.bias is not None:
        expect_all(module.bias, 0.0, f"{what}: bias", hint)


def bias_unchanged(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    """The bias, if any, has its old values."""
    if module.bias is not None and not torch.equal(module.bias.detach(), snapshot.before(mname, "bias")):
        fail(f"{what}: bias", "unchanged", "changed", "this initialiser changes only the weight")


def expect_normal(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    """Weight N(0, 0.01²) (tested on large layers), bias 0."""
    label = f"{what}: {layer_label(mname, module)}"
    if module.weight.numel() >= LARGE:
        check_normal(module.weight, 0.01, f"the weights of {label}")
    bias_zero(module, label)


def expect_constant(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    """Weight 1, bias 0."""
    label = f"{what}: {layer_label(mname, module)}"
    expect_all(module.weight, 1.0, f"{label}: weight", "set every weight to 1 (nn.init.constant_(m.weight, 1))")
    bias_zero(module, label)


def expect_xavier(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    """Weight Xavier-uniform with gain 1 (its distribution on large layers, its range on small ones), bias unchanged."""
    label = f"{what}: {layer_label(mname, module)}"
    hint = "use nn.init.xavier_uniform_(m.weight) with gain 1: U(-a, a), a = sqrt(6 / (fan_in + fan_out))"
    if module.weight.numel() >= LARGE:
        check_uniform(module.weight, xavier_bound(module), f"the weights of {label}", hint)
    else:
        range_only(module, label, hint)
    bias_unchanged(module, snapshot, mname, label)


def range_only(module: nn.Linear, label: str, hint: str) -> None:
    """On a small layer only the range of a Xavier-uniform draw can be checked."""
    a = xavier_bound(module)
    w = module.weight.detach()
    if float(w.abs().max()) > a * (1 + 1e-6):
        fail(f"range of the weights of {label}", f"[-{a:.4f}, {a:.4f}]", f"max |w| = {float(w.abs().max()):.4f}",
             hint)


def expect_42(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    """Weight 42, bias unchanged."""
    label = f"{what}: {layer_label(mname, module)}"
    expect_all(module.weight, 42.0, f"{label}: weight", "set every weight to 42 (nn.init.constant_(m.weight, 42))")
    bias_unchanged(module, snapshot, mname, label)


def expect_mixture(module: nn.Linear, snapshot: Snapshot, mname: str, what: str) -> None:
    """Weight from the mixture (its statistics on large layers, its range on small ones), bias unchanged."""
    label = f"{what}: {layer_label(mname, module)}"
    if module.weight.numel() >= LARGE:
        check_mixture(module.weight, f"the weights of {label}")
    else:
        w = module.weight.detach().abs()
        kept = w[w != 0]
        if kept.numel() and (float(kept.min()) < 5 or float(kept.max()) > 10):
            fail(f"the non-zero weights of {label}", "|w| between 5 and 10",
                 f"|w| from {float(kept.min()):.3f} to {float(kept.max()):.3f}",
                 "zero every value with |w| < 5, keep the others")
    bias_unchanged(module, snapshot, mname, label)


EXPECT = {"init_normal": expect_normal, "init_constant": expect_constant, "init_xavier": expect_xavier,
          "init_42": expect_42, "my_init": expect_mixture}
RANDOM = {"init_normal", "init_xavier", "my_init"}  # the initialisers that draw from the random generator


ModuleT = TypeVar("ModuleT", bound=nn.Module)


def with_own_values(net: ModuleT, seed: int) -> ModuleT:
    """Give every module but a Linear values of its own (BatchNorm's defaults, ones and zeros, would hide a change)."""
    with seeded(seed), torch.no_grad():
        for module in net.modules():
            if not isinstance(module, nn.Linear):
                for tensor in (*module.parameters(recurse=False), *module.buffers(recurse=False)):
                    if tensor.is_floating_point():
                        tensor.uniform_(0.5, 1.5)
    return net


def mlp(seed: int) -> nn.Sequential:
    """A 256-256-256-10 MLP with a ReLU between layers: large enough for the statistics."""
    with seeded(seed):
        return nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


RULES_NET = "a net with a BatchNorm1d, a CustomLinear (a subclass of nn.Linear) and a frozen Linear without bias"


def rules_net(seed: int) -> nn.Sequential:
    """RULES_NET: Linear(128, 256), BatchNorm1d, ReLU, CustomLinear(256, 128), ReLU, Linear(128, 100, bias=False)
    whose weight is frozen."""
    with seeded(seed):
        net = nn.Sequential(nn.Linear(128, 256), nn.BatchNorm1d(256), nn.ReLU(), CustomLinear(256, 128), nn.ReLU(),
                            nn.Linear(128, 100, bias=False))
    net[5].weight.requires_grad_(False)
    return with_own_values(net, seed)


def verify_global_rng(fn: Callable, name: str, shape: tuple[int, int], seeds: tuple[int, int]) -> None:
    """Values come from torch's global generator: the same seed gives the same weights, another seed others."""
    def draw(seed: int) -> torch.Tensor:
        """The weights fn gives a fixed Linear layer after torch.manual_seed(seed)."""
        with seeded(0):
            layer = nn.Linear(*shape)
        with seeded(seed):
            call(layer.apply, fn, what=f"nn.Linear{shape}.apply({name}) after torch.manual_seed({seed})")
        return layer.weight.detach().clone()

    first, again, other = draw(seeds[0]), draw(seeds[0]), draw(seeds[1])
    layer = f"nn.Linear{shape}.apply({name})"
    require(torch.equal(first, again), f"{layer} twice after torch.manual_seed({seeds[0]})", "the same weights twice",
            "different weights", "draw with torch (nn.init.*_, torch.rand*), not numpy or random, "
            "so that torch.manual_seed decides the values")
    require(not torch.equal(first, other), f"{layer} after torch.manual_seed({seeds[0]}) and after "
            f"torch.manual_seed({seeds[1]})", "different weights", "the same weights",
            f"do not call torch.manual_seed inside {name}: the caller's seed must decide the values")


def verify_init(name: str, fn: Callable, seed: int) -> None:
    """The visible test of one initialiser: an MLP, a net with every kind of module the rules name, the RNG."""
    verify_linear_init(fn, name, mlp(seed), seed + 1, "a 256-256-256-10 MLP", EXPECT[name])
    verify_linear_init(fn, name, rules_net(seed + 2), seed + 3, RULES_NET, EXPECT[name])
    if name in RANDOM:
        verify_global_rng(fn, name, (20, 30), (77, 78))


@checked
def check_init_normal(init_normal: Callable) -> None:
    """Visible test: weights N(0, 0.01²), biases 0."""
    verify_init("init_normal", init_normal, 301)


@checked
def check_init_constant(init_constant: Callable) -> None:
    """Visible test: weights 1, biases 0."""
    verify_init("init_constant", init_constant, 303)


@checked
def check_init_xavier(init_xavier: Callable) -> None:
    """Visible test: weights Xavier-uniform, biases unchanged."""
    verify_init("init_xavier", init_xavier, 305)


@checked
def check_init_42(init_42: Callable) -> None:
    """Visible test: weights 42, biases unchanged."""
    verify_init("init_42", init_42, 307)


@checked
def check_my_init(my_init: Callable) -> None:
    """Visible test: the mixture of zeros and U(±[5, 10]), biases unchanged."""
    verify_init("my_init", my_init, 309)


def verify_init_mixed(init_mixed: Callable, net: nn.Sequential, seed: int, label: str,
                      init_xavier: Callable | None, init_42: Callable | None) -> None:
    """init_mixed(net): Xavier on net[0], 42 on net[-1], everything else exactly as it was."""
    snapshot = Snapshot(net)
    what = f"init_mixed(net) on {label}"
    with seeded(seed):
        call(init_mixed, net, what=what)
    snapshot.verify_in_place(what)
    names = [n for n, _ in net.named_children()]
    parts = (("init_xavier", names[0], expect_xavier, init_xavier, 305),
             ("init_42", names[-1], expect_42, init_42, 307))
    for helper_name, name, expect, helper, helper_seed in parts:
        try:
            expect(cast(nn.Linear, net.get_submodule(name)), snapshot, name, what)  # net[0], net[-1]: Linear
        except CheckFailed as failure:
            test = None if helper is None else functools.partial(verify_init, helper_name, helper, helper_seed)
            raise blame(failure, {helper_name: test}) from None
    for mname, _ in snapshot.modules:
        if mname and mname.split(".")[0] not in (names[0], names[-1]):
            snapshot.verify_unchanged(mname, what, "change only net[0] and net[-1]")


def mixed_mlp(seed: int) -> nn.Sequential:
    """A 256-256-256-10 MLP with a BatchNorm1d after its first layer."""
    with seeded(seed):
        net = nn.Sequential(nn.Linear(256, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                            nn.Linear(256, 10))
    return with_own_values(net, seed)


@checked
def check_init_mixed(init_mixed: Callable, init_xavier: Callable, init_42: Callable) -> None:
    """Visible test: first layer Xavier, last layer 42, a middle Linear and a BatchNorm1d untouched."""
    verify_init_mixed(init_mixed, mixed_mlp(311), 312, "a 256-256-256-10 MLP with a BatchNorm1d", init_xavier,
                      init_42)


def verify_shift_and_pin(shift_and_pin: Callable, net: nn.Sequential, label: str) -> None:
    """shift_and_pin(net): net[0].weight + 1 everywhere, then 42 at [0, 0]; nothing else changes."""
    snapshot = Snapshot(net)
    first = [n for n, _ in net.named_children()][0]
    expected = snapshot.before(first, "weight") + 1
    expected[0, 0] = 42
    what = f"shift_and_pin(net) on {label}"
    call(shift_and_pin, net, what=what)
    snapshot.verify_in_place(what)
    w = cast(torch.Tensor, net[0].weight).detach()
    require(float(w[0, 0]) == 42.0, f"{what}: net[0].weight[0, 0]", 42.0, float(w[0, 0]),
            "first add 1 to every weight, then set [0, 0] to 42 (43 means the order was swapped)")
    if not torch.allclose(w, expected, rtol=0, atol=1e-6):
        fail(f"{what}: net[0].weight", "every old value + 1 (and 42 at [0, 0])", "other values",
             "add 1 to every weight of net[0] in place: net[0].weight += 1 under torch.no_grad()")
    for mname, _ in snapshot.modules:
        if mname != first:
            snapshot.verify_unchanged(mname, what, "change only net[0].weight")
    if net[0].bias is not None and not torch.equal(cast(torch.Tensor, net[0].bias).detach(),
                                                   snapshot.before(first, "bias")):
        fail(f"{what}: net[0].bias", "unchanged", "changed", "change only the weight of net[0]")


@checked
def check_shift_and_pin(shift_and_pin: Callable) -> None:
    """Visible test: a small MLP, and the same MLP with its first weight frozen."""
    for frozen in (False, True):
        with seeded(313):
            net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        net[0].weight.requires_grad_(not frozen)
        verify_shift_and_pin(shift_and_pin, net, "the MLP with its first weight frozen" if frozen else "an MLP")
