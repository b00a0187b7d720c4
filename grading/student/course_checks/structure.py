"""Small helpers for checks about structure and identity: exact types, shapes, readable names."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

import torch
from torch import nn

from .messages import CheckFailed, fail, require


class CustomLinear(nn.Linear):
    """A subclass of nn.Linear, as a layer of one's own would be: it is an nn.Linear for isinstance."""


def type_name(value: object) -> str:
    """A short, student-readable name of a value's type, e.g. 'int', 'torch.Tensor'."""
    kind = type(value)
    module = kind.__module__
    if module == "builtins":
        return kind.__name__
    if module.startswith("torch.nn"):
        return f"nn.{kind.__name__}"
    if module.startswith("torch"):
        return f"torch.{kind.__name__}"
    return f"{module}.{kind.__qualname__}"


def expect_type(value: object, expected: type | tuple[type, ...], what: str, hint: str) -> None:
    """Fail unless ``type(value)`` is exactly one of ``expected`` (subclasses such as bool-for-int do not count)."""
    allowed = expected if isinstance(expected, tuple) else (expected,)
    if type(value) not in allowed:
        names = " or ".join(a.__name__ if a.__module__ == "builtins" else f"torch.{a.__name__}" for a in allowed)
        fail(what, f"a value of type {names}", f"{type_name(value)} {short(value)}", hint)


def short(value: object, limit: int = 80) -> str:
    """repr of a value cut to one short line, safe for any student object."""
    try:
        text = repr(value)
    except Exception as exc:  # a student object whose __repr__ raises
        text = f"<unprintable: {type(exc).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(module: nn.Module) -> str:
    """A layer for messages: a Linear with its sizes ('Linear(256, 10, bias=False)', 'CustomLinear(4, 4)'),
    any other module by its class name."""
    name = type(module).__name__
    if isinstance(module, nn.Linear):
        return f"{name}({module.in_features}, {module.out_features}{'' if module.bias is not None else ', bias=False'})"
    return name


def as_shape(value: object) -> tuple[int, ...] | None:
    """A shape given as torch.Size or a tuple/list of ints, as a tuple; None if it is not a shape."""
    if type(value) not in (torch.Size, tuple, list):
        return None
    items = tuple(cast(Iterable[Any], value))  # its type was checked just above
    if not all(type(i) is int for i in items):
        return None
    return items


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Draw from a fixed seed inside the block and give the caller's RNG state back afterwards.

    The CPU generator only, which is all fork_rng(devices=[]) gives back: torch.manual_seed would also queue a
    CUDA seeding with the formatted call stack (milliseconds, deep in a grader) and leave it changed."""
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)
        yield


def shared_parameters(a: torch.nn.Module, b: torch.nn.Module) -> list[str]:
    """Names in ``a`` of parameter objects that also appear in ``b``."""
    ids = {id(p) for p in b.parameters()}
    return [n for n, p in a.named_parameters() if id(p) in ids]


def verify_fresh(first: torch.nn.Module, second: torch.nn.Module, what: str) -> None:
    """Two results of one factory share no parameter object and no parameter values."""
    shared = shared_parameters(first, second)
    require(not shared, f"{what}: parameters shared between two calls", "none", shared,
            "create the layers inside the function, so every call builds new ones")
    for (name, p), q in zip(first.named_parameters(), second.parameters()):
        if p.shape == q.shape and torch.equal(p.detach(), q.detach()):
            fail(f"{what}: values of {name} in two calls", "different random values", "identical values",
                 "let each new layer draw its own initial values; do not copy or reseed")


def fails(verify: Callable[[], object]) -> bool:
    """Whether a check of one of the student's helper functions fails."""
    try:
        verify()
    except CheckFailed:
        return True
    return False


def blame(failure: CheckFailed, helpers: dict[str, Callable[[], object] | None]) -> CheckFailed:
    """The failure, its hint naming the first of the student's helpers (name -> its test) that fails its own test."""
    for helper, verify in helpers.items():
        if verify is not None and fails(verify):
            return failure.with_hint(f"this part is built by your {helper}, which fails its own test: "
                                     f"fix {helper} first")
    return failure
