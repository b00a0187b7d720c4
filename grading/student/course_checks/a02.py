"""Checks for exercise 02_nested_blocks: block factories, nested names, lookups, module counts.

``block2`` calls the student's ``block1`` and ``make_rgnet`` their ``block2``: when a block they
return is wrong and the helper fails its own test too, the failure says that it comes from the
helper, so the student fixes the helper first.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import cast

import torch
from torch import nn
from torch.nn.modules.lazy import LazyModuleMixin

from .guard import checked
from .messages import CheckFailed, StudentCodeFailed, fail, require
from .structure import CustomLinear, blame, expect_type, seeded, shared_parameters, short, type_name, verify_fresh
from .student_call import call

BLOCK1_LAYERS = "Linear(4, 8), ReLU(), Linear(8, 4), ReLU()"


def registered(module: nn.Module) -> list[tuple[str, nn.Module | None]]:
    """Every (name, child) registration, repeats included (named_children() hides a repeated child)."""
    return list(module._modules.items())


def verify_linear(layer: object, fan_in: int, fan_out: int, what: str) -> None:
    """An nn.Linear(fan_in, fan_out) with a bias (an uninitialised LazyLinear is named as such)."""
    wanted = f"nn.Linear({fan_in}, {fan_out})"
    if isinstance(layer, LazyModuleMixin):
        fail(what, wanted, f"an uninitialised nn.{type(layer).__name__}, whose input size stays unknown until "
             "its first forward pass", f"give both sizes: {wanted}")
    if not isinstance(layer, nn.Linear):
        fail(what, wanted, type_name(layer), "check the order of the layers")
    found = (layer.in_features, layer.out_features, layer.bias is not None)
    require(found == (fan_in, fan_out, True), what, f"{wanted} with a bias",
            f"nn.Linear({found[0]}, {found[1]}){'' if found[2] else ' without bias'}",
            "check the numbers of input and output features")


def block1_test(block1: Callable | None) -> Callable[[], object] | None:
    """The visible test of the student's block1, to run when something built from it fails."""
    return None if block1 is None else lambda: verify_block1(block1)


def verify_block1_structure(block: object, what: str) -> None:
    """A Sequential Linear(4,8)-ReLU-Linear(8,4)-ReLU with the default child names 0..3."""
    if type(block) is not nn.Sequential:
        fail(what, "an nn.Sequential", type_name(block), f"return nn.Sequential({BLOCK1_LAYERS})")
    names = [n for n, _ in registered(block)]
    require(names == ["0", "1", "2", "3"], f"{what}: the child names", ["0", "1", "2", "3"], names,
            "pass the four layers to nn.Sequential(...) directly so they get the default names")
    verify_linear(block[0], 4, 8, f"{what}[0]")
    require(isinstance(block[1], nn.ReLU), f"{what}[1]", "nn.ReLU()", type_name(block[1]),
            f"the layers are {BLOCK1_LAYERS}")
    verify_linear(block[2], 8, 4, f"{what}[2]")
    require(isinstance(block[3], nn.ReLU), f"{what}[3]", "nn.ReLU()", type_name(block[3]),
            f"the layers are {BLOCK1_LAYERS}")


def verify_block1(block1: Callable) -> None:
    """Two calls of block1(): the layers, and new parameters at every call."""
    with seeded(21):
        first, second = call(block1, what="block1()"), call(block1, what="block1()")
    verify_block1_structure(first, "block1()")
    verify_fresh(first, second, "block1()")


@checked
def check_block1(block1: Callable) -> None:
    """Visible test: the layers of block1() and new parameters at every call."""
    verify_block1(block1)


def verify_block2(block2: Callable, n: int | None, block1: Callable | None) -> nn.Module:
    """block2(n) (or block2() for the default) holds n independent block1 blocks named block0.. in order."""
    label = "block2()" if n is None else f"block2({n})"
    count = 4 if n is None else n
    with seeded(22 + count):
        net = call(block2, what=label) if n is None else call(block2, n, what=label)
    verify_block2_structure(net, count, label, block1)
    return net


def verify_block2_structure(net: object, count: int, label: str, block1: Callable | None) -> None:
    """A Sequential of ``count`` independent block1 blocks named block0 ... block{count-1}."""
    if type(net) is not nn.Sequential:
        fail(label, "an nn.Sequential", type_name(net), "start from net = nn.Sequential() and add blocks to it")
    names = [n for n, _ in registered(net)]
    expected = [f"block{i}" for i in range(count)]
    require(names == expected, f"{label}: the child names", expected, names,
            "use net.add_module(f'block{i}', block1()) for i in range(n)")
    # no child is None where they are compared: verify_block1_structure fails on anything but a Sequential first
    children = cast(list[nn.Module], [m for _, m in registered(net)])
    try:
        for i, child in enumerate(children):
            verify_block1_structure(child, f"{label}.block{i}")
        for i in range(count):
            for j in range(i + 1, count):
                if children[i] is children[j] or shared_parameters(children[i], children[j]):
                    fail(f"{label}: block{i} and block{j}", "independent blocks", "the same parameters",
                         "call block1() once per block; [block1()] * n repeats one block")
    except CheckFailed as failure:
        raise blame(failure, {"block1()": block1_test(block1)}) from None


def verify_block2_calls(block2: Callable, block1: Callable | None, n: int) -> None:
    """Two calls of block2(n) share no parameters."""
    with seeded(122 + n):
        first, second = call(block2, n, what=f"block2({n})"), call(block2, n, what=f"block2({n})")
    try:
        verify_fresh(first, second, f"block2({n})")
    except CheckFailed as failure:
        raise blame(failure, {"block1()": block1_test(block1)}) from None


@checked
def check_block2(block2: Callable, block1: Callable) -> None:
    """Visible test: block2() with the default n=4, block2(2), and new blocks at every call."""
    verify_block2(block2, None, block1)
    verify_block2(block2, 2, block1)
    verify_block2_calls(block2, block1, 2)


def verify_rgnet(make_rgnet: Callable, seed: int, block2: Callable | None, block1: Callable | None) -> nn.Module:
    """make_rgnet() is Sequential(block2(), Linear(4, 1)) and maps (batch, 4) to (batch, 1)."""
    with seeded(seed):
        net = call(make_rgnet, what="make_rgnet()")
    if type(net) is not nn.Sequential:
        fail("make_rgnet()", "an nn.Sequential", type_name(net), "return nn.Sequential(block2(), nn.Linear(4, 1))")
    names = [n for n, _ in registered(net)]
    require(names == ["0", "1"], "make_rgnet(): the child names", ["0", "1"], names,
            "pass block2() and nn.Linear(4, 1) to nn.Sequential(...) directly")
    try:
        verify_block2_structure(net[0], 4, "make_rgnet()[0]", None)
    except CheckFailed as failure:
        block2_test = None if block2 is None else lambda: verify_block2(block2, None, None)
        raise blame(failure, {"block1()": block1_test(block1), "block2()": block2_test}) from None
    verify_linear(net[1], 4, 1, "make_rgnet()[1]")
    with seeded(seed + 1):
        x = torch.randn(5, 4)
    with torch.no_grad():
        y = net(x)
    require(tuple(y.shape) == (5, 1), "make_rgnet()(X) for X of shape (5, 4)", (5, 1), tuple(y.shape),
            "the output layer is nn.Linear(4, 1)")
    return net


def verify_rgnet_calls(make_rgnet: Callable, block2: Callable | None, block1: Callable | None, seed: int) -> None:
    """Two calls of make_rgnet() build independent nets."""
    first = verify_rgnet(make_rgnet, seed, block2, block1)
    second = verify_rgnet(make_rgnet, seed + 2, block2, block1)
    try:
        verify_fresh(first, second, "make_rgnet()")
    except CheckFailed as failure:
        block2_test = None if block2 is None else lambda: verify_block2_calls(block2, None, 4)
        raise blame(failure, {"block1()": block1_test(block1), "block2()": block2_test}) from None


@checked
def check_make_rgnet(make_rgnet: Callable, block2: Callable, block1: Callable) -> None:
    """Visible test: the structure and output shape of make_rgnet(), and a new net at every call."""
    verify_rgnet_calls(make_rgnet, block2, block1, 31)


def verify_get_param(get_param: Callable, net: nn.Module, name: str, label: str) -> None:
    """get_param(net, name) returns the very nn.Parameter that ``name`` leads to (any name of a shared one)."""
    named = list(net.named_parameters(remove_duplicate=False))
    expected = dict(named)[name]
    second_name = name not in dict(net.named_parameters())
    what = f"get_param(net, {name!r}) on {label}"
    try:
        found = call(get_param, net, name, what=what)
    except StudentCodeFailed as failure:
        if second_name and isinstance(failure.error, KeyError):
            first = next(n for n, p in named if p is expected)
            raise failure.with_hint(f"{name!r} is the second name of a layer used twice (its first is {first!r}); "
                                    "named_parameters() lists a shared parameter once, "
                                    "named_parameters(remove_duplicate=False) under every name") from None
        raise
    if found is not expected:
        if isinstance(found, torch.Tensor) and not isinstance(found, nn.Parameter):
            hint = "return the nn.Parameter object itself, not its values (.data, .detach(), state_dict())"
        elif isinstance(found, nn.Parameter):
            hint = "this is another parameter: follow the dotted name one level at a time"
        else:
            hint = "return the nn.Parameter object that has this name in net.named_parameters()"
        fail(what, f"the parameter object {name} itself", f"{type_name(found)} {short(found, 50)}", hint)


def verify_get_param_missing(get_param: Callable, net: nn.Module, name: str, label: str) -> None:
    """get_param(net, name) raises KeyError for a name that is not a parameter's."""
    what = f"get_param(net, {name!r}) on {label}"
    try:
        found = call(get_param, net, name, what=what)
    except StudentCodeFailed as failure:
        if failure.unimplemented:
            raise
        if isinstance(failure.error, KeyError):
            return
        fail(what, "KeyError", failure.found, "raise KeyError(name) when no parameter has that name "
             "(net.get_parameter raises AttributeError)")
    fail(what, "KeyError", f"a return value {type_name(found)} {short(found, 40)}",
         "raise KeyError(name) when no parameter has that name, do not return a default")


def lookup_net() -> nn.Sequential:
    """Nested blocks with a BatchNorm1d and a Linear(4, 4) used in two places."""
    with seeded(41):
        shared = nn.Linear(4, 4)
        return nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), shared), nn.ReLU(), shared,
                             nn.Linear(4, 1))


@checked
def check_get_param(get_param: Callable) -> None:
    """Visible test: nested names, a BatchNorm weight, both names of a shared layer, names that are not parameters'."""
    net, label = lookup_net(), "a nested net with a BatchNorm1d and a Linear used twice"
    for name in ("0.0.weight", "0.1.weight", "0.2.bias", "2.bias", "3.weight"):
        verify_get_param(get_param, net, name, label)
    for missing in ("0.5.weight", "0.1.running_mean", "0.2", "4.weight"):
        verify_get_param_missing(get_param, net, missing, label)


def verify_count_modules(count_modules: Callable, net: nn.Module, kind: type, label: str) -> None:
    """count_modules(net, kind) counts distinct modules (net included) that are instances of kind."""
    expected = sum(1 for m in net.modules() if isinstance(m, kind))  # all before the student can change net
    exact = sum(1 for m in net.modules() if type(m) is kind)
    repeated = sum(1 for _, m in net.named_modules(remove_duplicate=False) if isinstance(m, kind))
    top_level = sum(1 for m in net.children() if isinstance(m, kind))
    what = f"count_modules(net, nn.{kind.__name__}) on {label}"
    found = call(count_modules, net, kind, what=what)
    expect_type(found, int, what, "return a Python int")
    if found != expected:
        hint = "walk every nested module with net.modules() and test isinstance(m, kind)"
        if found == exact:
            hint = "a subclass of kind counts too: test isinstance(m, kind), not type(m) == kind"
        elif found == expected - isinstance(net, kind):
            hint = "net itself counts when it is an instance of kind (net.modules() yields it first)"
        elif found == repeated:
            hint = "a module registered twice is one module: count it once (net.modules() does)"
        elif found == top_level:
            hint = "children() sees only the top level: nested modules count too"
        fail(what, expected, found, hint)


def counting_net() -> nn.Sequential:
    """Nested blocks with a subclass of nn.Linear and a Linear registered in two places."""
    with seeded(51):
        shared = nn.Linear(4, 4)
        return nn.Sequential(nn.Sequential(nn.Linear(4, 4), nn.ReLU()),
                             nn.Sequential(CustomLinear(4, 4), nn.ReLU(), shared), shared, nn.Linear(4, 1))


@checked
def check_count_modules(count_modules: Callable) -> None:
    """Visible test: Linear (with a subclass and a shared layer), ReLU and Sequential (the root too) in a nested net."""
    label = "a nested net with a CustomLinear (a subclass of nn.Linear) and a Linear used twice"
    for kind in (nn.Linear, nn.ReLU, nn.Sequential):
        verify_count_modules(count_modules, counting_net(), kind, label)
