"""Keeping a student's own run of the checks equal to the grader's: pristine functions before every check.

At grading time the checks run in the grader, where the student's code never runs
(``grading/judge.py``), so nothing the student's notebook does to torch or to the checks can
change a verdict. In the student's own kernel the checks run beside their code, which could
replace what the checks call (``torch.equal``, ``math.isclose``, ``Tensor.std``,
``isinstance``, a check itself), by mistake or not: the visible tests would then say something
the grader will not. This module records the attributes of the modules and classes the checks
rely on, and of the course's check modules (:func:`seal`); every check puts them back before
it starts and after each call into student code (:func:`restore`), and shows a line naming it
when it passes. Everything the guard needs is captured in closures when it is created, so
replacing this module's attributes (or builtins) does not switch it off.
"""
from __future__ import annotations

import builtins
import contextlib
import copy
import functools
import io
import math
import sys
from collections.abc import Callable
from operator import attrgetter, is_
from types import FunctionType, SimpleNamespace
from typing import Any, TypeVar

import numpy
import torch
from torch import nn

from .language import localise

F = TypeVar("F", bound=Callable[..., Any])

LIBRARY = (builtins, math, contextlib, copy, functools, io, numpy, torch, nn, nn.init, nn.functional,
           nn.parameter, torch.optim, torch.random, torch.autograd,
           torch.Tensor, torch._C.TensorBase, torch.Size, nn.Parameter, nn.Module, nn.Linear, nn.Sequential,
           nn.ReLU, nn.BatchNorm1d, nn.MSELoss, torch.optim.Optimizer, torch.optim.SGD)
# The packages whose code the checks run: the modules and base classes that define what the checks
# use are recorded too, so patching a function where it is defined (scipy.stats._stats_py.ks_1samp) fails.
DEFINING = ("torch.nn", "torch.optim", "torch.random", "torch.autograd", "scipy.stats", "numpy")
# What Python itself adds to a class when it is first needed (copy.copy stores __slotnames__; reading
# __annotations__ creates it): not the student's doing.
CACHES = frozenset({"__slotnames__", "__annotations__", "__annotate__"})
# Builtins IPython and ipykernel themselves set and reset around every cell: not the student's doing.
IPYTHON_MANAGED = frozenset({"exit", "quit", "get_ipython", "display", "help", "input", "_", "__", "___"})


# torch wraps some of its functions itself when first used (loading dynamo, which the first optimizer
# does, wraps torch.manual_seed; the first SGD wraps SGD.step): a wrapper of the recorded function there
# is torch's doing, and becomes the recorded one.
LAZY_WRAPS = frozenset({("torch", "manual_seed"), ("SGD", "step")})


def scipy_owners() -> tuple[Any, ...]:
    """scipy.stats and the distributions the statistics checks use, once something imported them."""
    stats = sys.modules.get("scipy.stats")
    if stats is None:
        return ()
    shapes = (stats.chi2, stats.binom, stats.uniform, stats.norm)
    return (stats, *shapes, *(type(s) for s in shapes))


def library_owners() -> list[Any]:
    """LIBRARY (and scipy's), the base classes of their classes and the modules (of DEFINING) that define
    what they hold."""
    top = (*LIBRARY, *scipy_owners())
    owners = {id(o): o for o in top}
    for owner in top:
        for base in (owner.__mro__[1:] if isinstance(owner, type) else ()):
            if base.__module__.startswith(DEFINING + ("torch",)):
                owners.setdefault(id(base), base)
        for value in list(vars(owner).values()):
            module = getattr(value, "__module__", None) if callable(value) else None
            if isinstance(module, str) and module.startswith(DEFINING) and module in sys.modules:
                owners.setdefault(id(sys.modules[module]), sys.modules[module])
    return list(owners.values())


def _make_guard() -> SimpleNamespace:
    """The guard's functions, closed over everything they use (builtins included)."""
    _vars, _getattr, _isinstance, _setattr, _len, _id, _map = vars, getattr, isinstance, setattr, len, id, map
    _list, _dict, _sorted, _tuple, _function, _zip = list, dict, sorted, tuple, FunctionType, zip
    _set_type_attr, _del_type_attr, _all, _is = type.__setattr__, type.__delattr__, all, is_
    _modules, _builtins = sys.modules, builtins
    _code = ("__code__", "__defaults__", "__kwdefaults__")
    _getters = _tuple(attrgetter(c) for c in _code)
    missing = object()
    label = (lambda owner: _getattr(owner, "__name__", None) or type(owner).__name__)  # noqa: E731
    # (label, owner, attributes, their names and their values in order): the values let a restore that finds
    # nothing changed compare, at C speed, each current value's identity with the recorded one instead of walking
    # the dict.
    snapshot: list[tuple[str, Any, dict[str, Any], list[str], list[Any]]] = []
    functions: list[tuple[str, FunctionType]] = []
    function_objects: list[FunctionType] = []  # the same functions, for C-speed mapping
    function_values: list[list[Any]] = [[], [], []]  # each function's __code__, __defaults__, __kwdefaults__
    recorded: set[int] = set()
    sealed: dict[str, Any] = {}
    prefixes = ["course_checks"]
    restored: list[str] = []
    passing: list[str] = []
    standing_down: list[bool] = []

    def record(where: str, owner: Any) -> None:
        """Remember an owner's attributes, and the code and defaults of the Python functions among them."""
        saved = _dict(_vars(owner))
        snapshot.append((where, owner, saved, _list(saved), _list(saved.values())))
        recorded.add(_id(owner))
        for attr, value in saved.items():
            if _isinstance(value, _function) and _id(value) not in recorded:
                recorded.add(_id(value))
                functions.append((f"{where}.{attr}", value))
                function_objects.append(value)
                for values, get in _zip(function_values, _getters):
                    values.append(get(value))

    for owner in library_owners():
        record(label(owner), owner)

    seen = [0]

    def seal(*packages: str) -> None:
        """Record the fully imported, not yet recorded modules of the course's checks (and of ``packages``)
        and the library owners that appeared since (scipy.stats, imported by the statistics checks)."""
        if not packages and _len(_modules) == seen[0]:
            return  # nothing imported since the last look
        seen[0] = _len(_modules)
        for owner in library_owners():
            if _id(owner) not in recorded:
                record(label(owner), owner)
        prefixes.extend(p for p in packages if p not in prefixes)
        for name, module in _sorted(_modules.items()):
            if not name.startswith(_tuple(prefixes)) or name in sealed:
                continue
            try:
                initializing = _getattr(_getattr(module, "__spec__", None), "_initializing", False)
            except Exception:  # a module object that misbehaves is not one of ours
                continue
            if not initializing:
                sealed[name] = module
                record(name, module)

    def restore() -> list[str]:
        """Put back every recorded attribute that was replaced or deleted (and remove one added to a
        recorded class), and the code of every recorded function; return their names."""
        if standing_down:
            return []
        seal()  # an ordinary kernel imports the checks only in its test cells
        put_back = []
        for name, module in sealed.items():
            if _modules.get(name) is not module:
                _modules[name] = module
                put_back.append(f"sys.modules[{name!r}]")
        for where, owner, saved, names, values in snapshot:
            current = _vars(owner)
            if _len(current) == _len(names) and _all(_map(_is, current.values(), values)):
                continue  # nothing replaced, added or deleted
            is_class = _isinstance(owner, type)
            for attr, value in saved.items():
                now = current.get(attr, missing)
                if now is value or (owner is _builtins and attr in IPYTHON_MANAGED):
                    continue
                if (where, attr) in LAZY_WRAPS and _getattr(now, "__wrapped__", None) is value:
                    saved[attr] = now  # torch's own wrapper (LAZY_WRAPS): the new original
                    values[names.index(attr)] = now
                    continue
                try:
                    (_set_type_attr if is_class else _setattr)(owner, attr, value)
                except (AttributeError, TypeError):
                    continue
                put_back.append(f"{where}.{attr}")
            added = [a for a in current if a not in saved]
            if is_class:  # a class attribute added later shadows an inherited one
                for attr in added:
                    if attr not in CACHES:
                        _del_type_attr(owner, attr)
                        put_back.append(f"{where}.{attr}")
            else:  # a module gains attributes as its submodules are imported: they join the record
                for attr in added:
                    saved[attr] = current[attr]
            if added:
                names[:] = _list(current)
                values[:] = _list(current.values())
        for attr, saved_values, get in _zip(_code, function_values, _getters):
            if _all(_map(_is, _map(get, function_objects), saved_values)):
                continue
            for (where, function), value in _zip(functions, saved_values):
                if get(function) is not value:
                    _setattr(function, attr, value)
                    put_back.append(f"{where}.{attr}")
        restored.extend(put_back)
        return put_back

    def passed(check: str, put_back: list[str]) -> None:
        """Record that ``check`` ran to the end (the grader names it) and, in a notebook, say so."""
        passing.append(check)
        from IPython import get_ipython
        shell = get_ipython()
        if shell is None:
            return
        subject = check.removeprefix("check_").removesuffix("_hidden")
        text = f"✔ {subject}: {'hidden' if check.endswith('_hidden') else 'visible'} tests passed"
        if put_back:
            text += f" (first undid changes to {', '.join(put_back[:3])}{' ...' if len(put_back) > 3 else ''})"
        shell.display_pub.publish(data={"text/plain": localise(text)}, metadata={})

    def checked(check: F) -> F:
        """Mark a check entry point: pristine functions before and after it, a line when it passes."""
        name = check.__name__

        @functools.wraps(check)
        def run(*args: Any, **kwargs: Any) -> Any:
            start = _len(restored)
            restore()
            result = check(*args, **kwargs)
            restore()
            passed(name, _list(_dict.fromkeys(restored[start:])))
            return result

        return run  # type: ignore[return-value]

    def stand_down() -> None:
        """Stop restoring, for good: for the grader (grading/pipeline/judge.py), where no student code runs
        beside the checks, so nothing can replace what they use. A student who calls it in their own kernel
        only gives up the protection of their own run of the visible tests."""
        standing_down.append(True)

    return SimpleNamespace(seal=seal, restore=restore, checked=checked, passing=passing, stand_down=stand_down)


_guard = _make_guard()
seal, restore, checked, stand_down = _guard.seal, _guard.restore, _guard.checked, _guard.stand_down
passing: list[str] = _guard.passing  # the checks that ran to the end, in order (the grader reads and clears it)
