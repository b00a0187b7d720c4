"""Checks for exercise 02_nested_blocks: block factories, nested names, lookups, module counts."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .guard import checked
from .messages import fail, require
from .structure import expect_type, seeded, shared_parameters, short, type_name, verify_fresh
from .student_call import call

BLOCK1_LAYERS = "Linear(4, 8), ReLU(), Linear(8, 4), ReLU()"


def registered(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """Every (name, child) registration, repeats included (named_children() hides a repeated child)."""
    return list(module._modules.items())


def verify_linear(layer: object, fan_in: int, fan_out: int, what: str) -> None:
    """An nn.Linear(fan_in, fan_out) with a bias."""
    if not isinstance(layer, nn.Linear):
        fail(what, f"nn.Linear({fan_in}, {fan_out})", type_name(layer), "check the order of the layers")
    found = (layer.in_features, layer.out_features, layer.bias is not None)
    require(found == (fan_in, fan_out, True), what, f"nn.Linear({fan_in}, {fan_out}) with a bias",
            f"nn.Linear({found[0]}, {found[1]}){'' if found[2] else ' without bias'}",
            "check the numbers of input and output features")


def verify_block1_structure(block: object, what: str) -> None:
    """A Sequential Linear(4,8)-ReLU-Linear(8,4)-ReLU with the default child names 0..3."""
    if type(block) is not nn.Sequential:
        fail(what, "an nn.Sequential", type_name(block), f"return nn.Sequential({BLOCK1_LAYERS})")
    names = [n for n, _ in registered(block)]
    require(names == ["0", "1", "2", "3"], f"{what} child names", ["0", "1", "2", "3"], names,
            "pass the four layers to nn.Sequential(...) directly so they get the default names")
    verify_linear(block[0], 4, 8, f"{what}[0]")
    require(isinstance(block[1], nn.ReLU), f"{what}[1]", "nn.ReLU()", type_name(block[1]), f"the layers are {BLOCK1_LAYERS}")
    verify_linear(block[2], 8, 4, f"{what}[2]")
    require(isinstance(block[3], nn.ReLU), f"{what}[3]", "nn.ReLU()", type_name(block[3]), f"the layers are {BLOCK1_LAYERS}")


@checked
def check_block1(block1: Callable) -> None:
    """Visible test: the layers of block1() and new parameters at every call."""
    with seeded(21):
        first, second = call(block1), call(block1)
    verify_block1_structure(first, "block1()")
    verify_fresh(first, second, "block1()")


def verify_block2(block2: Callable, n: int | None) -> nn.Module:
    """block2(n) (or block2() for the default) holds n independent block1 blocks named block0.. in order."""
    label = "block2()" if n is None else f"block2({n})"
    count = 4 if n is None else n
    with seeded(22 + count):
        net = call(block2) if n is None else call(block2, n)
    verify_block2_structure(net, count, label)
    return net


def verify_block2_structure(net: object, count: int, label: str) -> None:
    """A Sequential of ``count`` independent block1 blocks named block0 ... block{count-1}."""
    if type(net) is not nn.Sequential:
        fail(label, "an nn.Sequential", type_name(net), "start from net = nn.Sequential() and add blocks to it")
    names = [n for n, _ in registered(net)]
    expected = [f"block{i}" for i in range(count)]
    require(names == expected, f"{label} child names", expected, names,
            "use net.add_module(f'block{i}', block1()) for i in range(n)")
    children = [m for _, m in registered(net)]
    for i, child in enumerate(children):
        verify_block1_structure(child, f"{label}.block{i}")
    for i in range(count):
        for j in range(i + 1, count):
            if children[i] is children[j] or shared_parameters(children[i], children[j]):
                fail(f"{label}: block{i} and block{j}", "independent blocks", "the same parameters",
                     "call block1() once per block; [block1()] * n repeats one block")


@checked
def check_block2(block2: Callable) -> None:
    """Visible test: block2() with the default n=4 and block2(2)."""
    verify_block2(block2, None)
    verify_block2(block2, 2)


def verify_rgnet(make_rgnet: Callable, seed: int) -> nn.Module:
    """make_rgnet() is Sequential(block2(), Linear(4, 1)) and maps (batch, 4) to (batch, 1)."""
    with seeded(seed):
        net = call(make_rgnet)
    if type(net) is not nn.Sequential:
        fail("make_rgnet()", "an nn.Sequential", type_name(net), "return nn.Sequential(block2(), nn.Linear(4, 1))")
    names = [n for n, _ in registered(net)]
    require(names == ["0", "1"], "make_rgnet() child names", ["0", "1"], names,
            "pass block2() and nn.Linear(4, 1) to nn.Sequential(...) directly")
    verify_block2_structure(net[0], 4, "make_rgnet()[0]")
    verify_linear(net[1], 4, 1, "make_rgnet()[1]")
    with seeded(seed + 1):
        x = torch.randn(5, 4)
    with torch.no_grad():
        y = net(x)
    require(tuple(y.shape) == (5, 1), "make_rgnet()(X) for X of shape (5, 4)", (5, 1), tuple(y.shape),
            "the output layer is nn.Linear(4, 1)")
    return net


@checked
def check_make_rgnet(make_rgnet: Callable) -> None:
    """Visible test: the structure and output shape of make_rgnet()."""
    verify_rgnet(make_rgnet, 31)


def verify_get_param(get_param: Callable, net: nn.Module, name: str, label: str) -> None:
    """get_param(net, name) returns the very nn.Parameter named ``name``."""
    expected = dict(net.named_parameters())[name]
    found = call(get_param, net, name)
    what = f"get_param({label}, {name!r})"
    if found is not expected:
        if isinstance(found, torch.Tensor) and not isinstance(found, nn.Parameter):
            hint = "return the nn.Parameter object itself, not its values (.data, .detach(), state_dict())"
        elif isinstance(found, nn.Parameter):
            hint = "this is another parameter: follow the dotted name one level at a time"
        else:
            hint = "return the nn.Parameter object named like this in net.named_parameters()"
        fail(what, f"the parameter object {name} itself", f"{type_name(found)} {short(found, 50)}", hint)


def verify_get_param_missing(get_param: Callable, net: nn.Module, name: str, label: str) -> None:
    """get_param(net, name) raises KeyError for a name that is not a parameter's."""
    what = f"get_param({label}, {name!r})"
    try:
        found = call(get_param, net, name)
    except KeyError:
        return
    except Exception as exc:
        fail(what, "KeyError", f"{type(exc).__name__}: {str(exc)[:60]}",
             "raise KeyError(name) when no parameter has that name (get_parameter raises AttributeError)")
    fail(what, "KeyError", f"a return value {type_name(found)} {short(found, 40)}",
         "raise KeyError(name) when no parameter has that name, do not return a default")


@checked
def check_get_param(get_param: Callable) -> None:
    """Visible test: two names in a nested net, and a missing name."""
    with seeded(41):
        net = nn.Sequential(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4)), nn.Linear(4, 1))
    verify_get_param(get_param, net, "0.2.bias", "net")
    verify_get_param(get_param, net, "1.weight", "net")
    verify_get_param_missing(get_param, net, "0.5.weight", "net")


def verify_count_modules(count_modules: Callable, net: nn.Module, kind: type, label: str) -> None:
    """count_modules(net, kind) counts distinct modules (net included) that are instances of kind."""
    expected = sum(1 for m in net.modules() if isinstance(m, kind))  # all before the student can change net
    exact = sum(1 for m in net.modules() if type(m) is kind)
    repeated = sum(1 for _, m in net.named_modules(remove_duplicate=False) if isinstance(m, kind))
    top_level = sum(1 for m in net.children() if isinstance(m, kind))
    found = call(count_modules, net, kind)
    what = f"count_modules({label}, {kind.__name__})"
    expect_type(found, int, what, "return a Python int")
    if found != expected:
        hint = "walk every nested module with net.modules() and test isinstance(m, kind)"
        if found == exact:
            hint = "subclasses count too: use isinstance(m, kind), not type(m) == kind"
        elif found == expected - isinstance(net, kind):
            hint = "net itself counts when it is an instance of kind (net.modules() yields it first)"
        elif found == repeated:
            hint = "a module registered twice is one module: count it once"
        elif found == top_level:
            hint = "children() sees only the top level: nested modules count too"
        fail(what, expected, found, hint)


@checked
def check_count_modules(count_modules: Callable) -> None:
    """Visible test: Linear, ReLU and Sequential modules of a nested net."""
    with seeded(51):
        inner = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
        net = nn.Sequential(inner, nn.Sequential(nn.Linear(4, 4), nn.ReLU()), nn.Linear(4, 1))
    verify_count_modules(count_modules, net, nn.Linear, "net")
    verify_count_modules(count_modules, net, nn.ReLU, "net")
    verify_count_modules(count_modules, net, nn.Sequential, "net")
