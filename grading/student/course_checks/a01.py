"""Checks for exercise 01_parameter_access: reading parameters, counting them, bias values, gradients."""
from __future__ import annotations

from collections.abc import Callable
from typing import cast

import torch
from torch import nn

from .guard import checked
from .messages import fail, require
from .structure import as_shape, expect_type, seeded, short, type_name
from .student_call import call


def mlp() -> nn.Sequential:
    """The lecture's MLP, Linear(4, 8) -> ReLU -> Linear(8, 1), with fixed values."""
    with seeded(0):
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))


def batchnorm_net() -> nn.Sequential:
    """Nested blocks with a BatchNorm1d, whose running statistics are buffers, not parameters."""
    with seeded(2):
        return nn.Sequential(nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU()), nn.Linear(5, 2))


def shared_net() -> nn.Sequential:
    """One Linear(4, 4) used twice: its parameters appear once in named_parameters()."""
    with seeded(3):
        shared = nn.Linear(4, 4)
        return nn.Sequential(nn.Linear(2, 4), shared, nn.ReLU(), shared, nn.Linear(4, 1))


def frozen_net() -> nn.Sequential:
    """The lecture's MLP with its first layer frozen (requires_grad=False)."""
    net = mlp()
    net[0].requires_grad_(False)
    return net


CASES = {"the lecture's MLP": mlp, "a nested net with a BatchNorm1d": batchnorm_net,
         "a net that uses one Linear twice": shared_net, "the MLP with its first layer frozen": frozen_net}


def verify_param_shapes(param_shapes: Callable, net: nn.Module, label: str) -> None:
    """param_shapes(net) must map every name of named_parameters() to its shape, nothing else."""
    expected = {name: tuple(p.shape) for name, p in net.named_parameters()}  # before the student can change net
    frozen = {name for name, p in net.named_parameters() if not p.requires_grad}
    what = f"param_shapes(net) on {label}"
    found = call(param_shapes, net, what=what)
    if not isinstance(found, dict):
        fail(what, "a dict {name: shape}", type_name(found), "build a dict, e.g. with a dict comprehension")
    items = list(dict.items(found))
    keys = [k for k, _ in items]
    for key in keys:
        expect_type(key, str, f"{what} key {short(key)}", "use the names exactly as net.named_parameters() yields them")
    missing = [k for k in expected if k not in keys]
    extra = [k for k in keys if k not in expected]
    if missing or extra:
        hint = "use the names exactly as net.named_parameters() yields them"
        if any(k.endswith(("running_mean", "running_var", "num_batches_tracked")) for k in extra):
            hint = "buffers (BatchNorm's running statistics) are in state_dict() but are not parameters"
        elif len(keys) > len(expected):
            hint = "a parameter shared by several layers appears once in named_parameters()"
        elif missing and not extra and set(missing) <= frozen:
            hint = "frozen parameters (requires_grad=False) are parameters too"
        found_keys = ", ".join([f"missing {missing}"] * bool(missing) + [f"unexpected {extra}"] * bool(extra))
        fail(f"{what}: the keys", f"the names {sorted(expected)}", found_keys, hint)
    for key, value in items:
        shape = as_shape(value)
        if shape is None:
            fail(f"{what}: the value of {key!r}", "a shape (torch.Size or tuple of ints)",
                 f"{type_name(value)} {short(value)}", "store p.shape, not the parameter or its values")
        require(shape == expected[key], f"{what}: the shape of {key!r}", expected[key], shape,
                "store p.shape of that very parameter")


@checked
def check_param_shapes(param_shapes: Callable) -> None:
    """Visible test: the lecture's MLP, nested blocks with BatchNorm buffers, a shared layer, a frozen layer."""
    for label, build in CASES.items():
        verify_param_shapes(param_shapes, build(), label)


def unique_parameters(net: nn.Module) -> list[nn.Parameter]:
    """Each parameter object of net once (named_parameters already drops repeats)."""
    return [p for _, p in net.named_parameters()]


def verify_count_parameters(count_parameters: Callable, net: nn.Module, label: str) -> None:
    """count_parameters(net) must be an int: the scalars of every distinct parameter, frozen ones included."""
    expected = sum(p.numel() for p in unique_parameters(net))  # all before the student can change net
    trainable = sum(p.numel() for p in unique_parameters(net) if p.requires_grad)
    with_repeats = sum(p.numel() for _, p in net.named_parameters(remove_duplicate=False))
    with_buffers = expected + sum(b.numel() for b in net.buffers())
    tensors = len(unique_parameters(net))
    what = f"count_parameters(net) on {label}"
    found = call(count_parameters, net, what=what)
    expect_type(found, int, what, "return a Python int, e.g. sum(p.numel() for p in net.parameters())")
    if found != expected:
        hint = "add p.numel() for every parameter in net.parameters()"
        if found == trainable:
            hint = "frozen parameters (requires_grad=False) are still parameters: count them too"
        elif found == with_repeats:
            hint = "a parameter shared by several layers counts once: net.parameters() lists it once"
        elif found == with_buffers:
            hint = "buffers (e.g. BatchNorm running statistics) are not parameters"
        elif found == tensors:
            hint = "count scalar values (p.numel()), not parameter tensors"
        fail(what, expected, found, hint)


@checked
def check_count_parameters(count_parameters: Callable) -> None:
    """Visible test: the lecture's MLP (49 values), BatchNorm buffers, a shared layer, a frozen layer, no parameters."""
    for label, build in CASES.items():
        verify_count_parameters(count_parameters, build(), label)
    verify_count_parameters(count_parameters, nn.ReLU(), "nn.ReLU() (no parameters)")


def verify_bias_values(bias_values: Callable, net: nn.Sequential, index: int, label: str) -> None:
    """bias_values(net, index) must be a plain tensor with the bias values, detached from autograd."""
    bias = cast(torch.Tensor, net[index].bias)
    before = bias.detach().clone()
    what = f"bias_values(net, {index}) on {label}"
    found = call(bias_values, net, index, what=what)
    if isinstance(found, nn.Parameter):
        fail(what, "a plain torch.Tensor", "an nn.Parameter",
             "return bias.detach() (or .data), not the parameter itself")
    expect_type(found, torch.Tensor, what, "return the bias values as a tensor, e.g. net[index].bias.detach()")
    require(not found.requires_grad, f"{what}: requires_grad of the result", False, True,
            "a tensor that takes part in autograd was returned: use .detach()")
    require(found.grad_fn is None, f"{what}: grad_fn of the result", None, type_name(found.grad_fn),
            "the result still has autograd history: detach it")
    require(tuple(found.shape) == tuple(bias.shape), f"{what}: the shape of the result", tuple(bias.shape),
            tuple(found.shape), f"take the bias of net[{index}], not its weight or another layer's")
    require(found.dtype == bias.dtype, f"{what}: the dtype of the result", bias.dtype, found.dtype,
            "do not convert the values")
    if not torch.equal(found, before):
        fail(what, f"the values of net[{index}].bias {short(before.tolist())}", short(found.tolist()),
             f"take net[{index}].bias, the bias of the layer at that index")
    require(bias.requires_grad and torch.equal(bias.detach(), before), f"{what}: net[{index}].bias after the call",
            "unchanged and still requiring grad", "modified", "read the bias; do not change or freeze it")


@checked
def check_bias_values(bias_values: Callable) -> None:
    """Visible test: the biases of the MLP's two layers, also in float64."""
    verify_bias_values(bias_values, mlp(), 2, "the lecture's MLP")
    verify_bias_values(bias_values, mlp(), 0, "the lecture's MLP")
    verify_bias_values(bias_values, mlp().double(), 0, "the lecture's MLP in float64")


def verify_has_no_grads(has_no_grads: Callable, net: nn.Module, expected: bool, label: str, hint: str) -> None:
    """has_no_grads(net) must be the bool ``expected`` in the situation ``label``."""
    what = f"has_no_grads(net) {label}"
    found = call(has_no_grads, net, what=what)
    expect_type(found, bool, what, "return a Python bool (True/False), e.g. all(p.grad is None for p in ...)")
    require(found is expected, what, expected, found, hint)


def backward_once(net: nn.Module, inputs: int) -> None:
    """One backward pass of a sum of outputs, so that every parameter gets a gradient."""
    with seeded(1):
        x = torch.randn(3, inputs)
    net(x).sum().backward()


@checked
def check_has_no_grads(has_no_grads: Callable) -> None:
    """Visible test: a fresh net, after backward, after both kinds of zero_grad, one gradient only, no parameters."""
    net = mlp()
    verify_has_no_grads(has_no_grads, net, True, "on the lecture's MLP, fresh",
                        "before any backward every .grad is None")
    backward_once(net, 4)
    verify_has_no_grads(has_no_grads, net, False, "on the MLP after backward()",
                        "after backward() the parameters hold gradients")
    net.zero_grad(set_to_none=False)
    verify_has_no_grads(has_no_grads, net, False, "on the MLP after zero_grad(set_to_none=False)",
                        "a tensor of zeros is still a gradient: test p.grad is None, not its values")
    net.zero_grad()
    verify_has_no_grads(has_no_grads, net, True, "on the MLP after zero_grad()",
                        "zero_grad() sets every .grad back to None")
    net[2].bias.grad = torch.ones_like(cast(torch.Tensor, net[2].bias))
    verify_has_no_grads(has_no_grads, net, False, "on the MLP when only its last bias holds a gradient",
                        "look at every parameter of the net, not only some of them")
    verify_has_no_grads(has_no_grads, nn.ReLU(), True, "on nn.ReLU() (no parameters)",
                        "a module without parameters holds no gradient")
