"""Test cells judged by the grader, outside the student's kernel, so no verdict can be forged from inside it.

At grading time a test cell is not run in the student's kernel. Its code (the instructor's, put
back by nbgrader, hidden tests included) runs here, in the grading worker, where the student's
code never runs: the checks build their networks here, compute what they expect here, and reach
the student's functions through :class:`Remote` proxies. Each call becomes one request to the
kernel (:mod:`grading.sandbox.probe`): the arguments and the global RNG's state go there as a pickle, the
function runs, and only plain data comes back, from which this module rebuilds the value returned
and *mirrors* what the call did to its arguments onto the objects the check passed (new values,
gradients, a parameter replaced by another object, a submodule swapped). The check then judges
these as it would have judged the real thing in the kernel; the student's kernel never holds a
key, a hidden test's code or a verdict. A kernel that answers with made-up data must still
produce correct results for inputs it never saw. The test cell's outputs are the check's: a
``✔`` line, or the failure block the student would have seen in the kernel.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import io
import pickle
import sys
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any, cast

import torch
from torch import nn

from ..course import STUDENT_FILES
from ..sandbox import probe

if str(STUDENT_FILES) not in sys.path:  # the checks test cells import, as in a kernel started by the course
    sys.path.insert(0, str(STUDENT_FILES))

Ask = Callable[[bytes, float], dict]  # hand the kernel's probe a request within a time, return its reply


class KernelTimeout(BaseException):
    """The student's code did not answer within the cell's time (not an Exception: no check may catch it)."""


class KernelDied(BaseException):
    """The kernel ended while a check waited for it (not an Exception: no check may catch it)."""


class KernelNoReply(Exception):
    """The kernel answered a probe without its data (it replaced the probe, or the call ended the kernel's work)."""


def dtype_of(name: str) -> torch.dtype:
    """A torch dtype by name ("float32"); nothing else of torch's, whatever a kernel sends."""
    kind = getattr(torch, name, None)
    if not isinstance(kind, torch.dtype):
        raise ValueError(f"not a dtype: {name!r}")
    return kind


def decode(buffers: list[Any], index: Any, dtype: str, shape: list[int]) -> torch.Tensor:
    """A tensor from the raw bytes in the reply's buffer ``index``."""
    if type(index) is not int or not 0 <= index < len(buffers):
        raise ValueError(f"not a buffer of the reply: {index!r}")
    kind = dtype_of(dtype)
    raw = bytearray(buffers[index])
    return torch.frombuffer(raw, dtype=kind).reshape(shape).clone() if raw else torch.empty(shape, dtype=kind)


def resolve(path: str) -> Any:
    """A class named ``module:qualname`` (only torch's own are imported; the rest are rebuilt by name)."""
    module, _, qualname = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


class _Pickler(pickle.Pickler):
    """Pickles a request (under torch.save, which keeps shared memory shared). A module of a class of the
    checks' own (the hidden tests' included, which a kernel cannot import) goes as a stand-in of its torch.nn
    base under its name; an object rebuilt from a kernel's own class goes back as the kernel's handle."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if getattr(kind, "_grading_rebuilt", False):
            return probe.returned_object, (obj.__dict__["_grading_handle"],)
        if isinstance(obj, nn.Module) and not kind.__module__.startswith("torch."):
            base = next(c for c in kind.__mro__ if c.__module__.startswith("torch.nn"))
            return probe.stand_in, (kind.__module__, kind.__qualname__, f"{base.__module__}:{base.__qualname__}",
                                    obj.__dict__)
        return NotImplemented


PICKLE = SimpleNamespace(__name__="grading.pipeline.judge", Pickler=_Pickler, Unpickler=pickle.Unpickler,
                         dump=pickle.dump, load=pickle.load)


class Remote:
    """The student's kernel, seen from the checks of one notebook: functions to call, objects it returned."""

    def __init__(self, ask: Ask, deadline: float) -> None:
        self.ask = ask
        self.deadline = deadline
        self.returned: dict[int, Any] = {}    # the probe's handle -> the object rebuilt here
        self.classes: dict[str, type] = {}

    def function(self, name: str) -> Callable[..., Any]:
        """A stand-in for the student's function ``name``, for the checks."""
        def student_function(*args: Any) -> Any:
            return self.call(name, args)

        def apply_in_kernel(net: nn.Module) -> None:
            """``net.apply(student_function)`` in one call: the kernel walks the net (course_checks.a03)."""
            self.call(name, (net,), apply=True)

        student_function.__name__ = student_function.__qualname__ = name
        student_function.apply_in_kernel = apply_in_kernel  # type: ignore[attr-defined]
        return student_function

    def call(self, target: str | int, args: tuple[Any, ...], apply: bool = False) -> Any:
        """Run the student's function (or a returned module) on ``args`` in the kernel (with ``apply``,
        ``args[0].apply(function)``); mirror and return the result. An error it raised during ``apply`` carries,
        as ``at``, the name of the module the function was called on (whatever the kernel says: a name to look up)."""
        buffer = io.BytesIO()
        sent = probe.objects_in(args)
        grads = [(t, t.grad) for t in sent.values() if isinstance(t, torch.Tensor) and t.grad is not None]
        torch.save({"target": target, "args": list(args), "grads": grads, "rng": torch.get_rng_state(),
                    "apply": apply}, buffer, pickle_module=PICKLE)
        reply = self.ask(buffer.getvalue(), max(0.0, self.deadline - time.monotonic()))
        buffers = reply.get("buffers", [])
        built = Rebuild(self, sent, buffers)
        result = built.value(reply["result"]) if "result" in reply else None
        for arg in reply.get("args", []):
            built.value(arg)
        torch.set_rng_state(decode(buffers, reply["rng"], "uint8", [-1]))
        if "error" in reply:
            error = remote_error(reply["error"])
            if apply:
                error.at = reply["at"] if type(reply.get("at")) is str else None  # type: ignore[attr-defined]
            raise error
        return result

    def tensor_class(self, path: str) -> type:
        """A stand-in for a student's own tensor class: a torch.Tensor subclass under its name."""
        if path not in self.classes:
            module, _, qualname = path.partition(":")
            self.classes[path] = type(qualname.rpartition(".")[2], (torch.Tensor,),
                                      {"__module__": module, "__qualname__": qualname})
        return self.classes[path]

    def rebuilt_class(self, path: str, base_path: str, own_forward: bool) -> type[nn.Module]:
        """A stand-in for a student's own module class: the torch.nn class it derives from, under its name;
        its own forward runs in the kernel."""
        if path not in self.classes:
            module, _, qualname = path.partition(":")
            base = resolve(base_path) if base_path.startswith("torch.") else nn.Module
            namespace: dict[str, Any] = {"__module__": module, "__qualname__": qualname, "_grading_rebuilt": True}
            if own_forward:
                remote = self

                def forward(self: nn.Module, *args: Any) -> Any:
                    return remote.call(self.__dict__["_grading_handle"], args)

                namespace["forward"] = forward
            self.classes[path] = type(qualname.rpartition(".")[2], (base,), namespace)
        return cast(type[nn.Module], self.classes[path])  # made from a torch.nn base just above


class Rebuild:
    """Turns one reply's descriptions back into objects; objects the check sent get the kernel's state mirrored."""

    def __init__(self, remote: Remote, sent: dict[str, Any], buffers: list[Any]) -> None:
        self.remote = remote
        self.sent = sent
        self.buffers = buffers  # the reply's binary buffers, which its tensors name by index
        self.objects: dict[int, Any] = {}

    def value(self, d: dict) -> Any:
        """The object a description stands for."""
        kind = d["t"]
        if kind == "py":
            return d["v"]
        if kind == "float":
            return float(d["v"])
        if kind == "ref":
            return self.objects[d["i"]]
        if kind in ("list", "tuple", "set", "frozenset"):
            return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[kind](
                self.value(item) for item in d["items"])
        if kind == "size":
            return torch.Size(d["v"])
        if kind == "dict":
            kinds: dict[str, Callable[[], dict[Any, Any]]] = {"OrderedDict": OrderedDict,
                                                             "defaultdict": lambda: defaultdict(None)}
            made = kinds.get(d["kind"], dict)()
            for k, v in d["items"]:
                made[self.value(k)] = self.value(v)
            return made
        if kind == "dtype":
            return dtype_of(d["v"])
        if kind == "tensor":
            return self.tensor(d)
        if kind == "module":
            return self.module(d)
        return opaque(d)

    def tensor(self, d: dict) -> torch.Tensor:
        """A tensor as the kernel holds it: values, class, autograd state, gradient, shared memory."""
        cls = d["cls"]
        if d.get("uninitialized"):
            made: torch.Tensor = nn.UninitializedParameter(requires_grad=d["requires_grad"])
            self.objects[d["i"]] = made
            return made
        values = decode(self.buffers, d["data"], d["dtype"], d["shape"])
        if "is" in d:  # one of the check's own tensors: the kernel's state, mirrored onto it
            made = self.sent[d["is"]]
            self.objects[d["i"]] = made
            with torch.no_grad():
                if made.shape == values.shape and made.dtype == values.dtype:
                    made.copy_(values)
                else:
                    made.data = values
            if made.is_leaf:
                made.requires_grad_(d["requires_grad"] and made.is_floating_point())
        else:
            if "view" in d and d["view"]["of"] in self.sent:
                base = self.sent[d["view"]["of"]]
                values = base.detach().as_strided(d["shape"], d["view"]["stride"], d["view"]["offset"])
            if cls == "torch.nn.parameter:Parameter":
                made = nn.Parameter(values, requires_grad=d["requires_grad"])
            else:
                made = values
                if cls not in ("torch:Tensor", "torch._tensor:Tensor"):
                    made = made.as_subclass(resolve(cls) if cls.startswith("torch") else self.remote.tensor_class(cls))
                if d["requires_grad"] and d["leaf"]:
                    made.requires_grad_(True)
            self.objects[d["i"]] = made
        if not d["leaf"] and made.grad_fn is None:  # an autograd history in the kernel: give it one here too
            if made.is_leaf and isinstance(made, nn.Parameter):
                made.requires_grad_(False)
                with torch.enable_grad():
                    made.copy_(values.detach().clone().requires_grad_())
            elif not made.requires_grad:
                made = values.detach().clone().requires_grad_() * 1
                self.objects[d["i"]] = made
        if made.is_leaf:
            made.grad = self.value(d["grad"]) if "grad" in d else None
        return made

    def module(self, d: dict) -> nn.Module:
        """A module as the kernel holds it: class, attributes, children, parameters, buffers."""
        handle: Any = d.get("h")  # whatever the kernel sent
        if "is" in d:
            made = self.sent[d["is"]]
        elif handle in self.remote.returned:
            made = self.remote.returned[handle]
        else:
            torch_class = d["cls"].startswith("torch.nn.")
            cls = resolve(d["cls"]) if torch_class else self.remote.rebuilt_class(d["cls"], d["base"], d["own_forward"])
            made = cls.__new__(cls)
            nn.Module.__init__(made)
            if not torch_class:
                made.__dict__["_grading_handle"] = handle
            self.remote.returned[handle] = made
        self.objects[d["i"]] = made
        for key, value in d["attrs"].items():
            made.__dict__[key] = self.value(value)
        made.training = d["training"]
        made._modules = {name: self.value(c) for name, c in d["children"]}
        made._parameters = {name: self.value(p) for name, p in d["params"]}
        made._buffers = {name: self.value(b) for name, b in d["buffers"]}
        made._non_persistent_buffers_set = set(d["transient"])
        return made


def opaque(d: dict) -> Any:
    """An object of a class the grader does not rebuild: one of a class named as the student's, showing its repr."""
    module, _, qualname = d["cls"].partition(":")
    text = d["repr"]
    cls = type(qualname.rpartition(".")[2], (), {"__module__": module, "__qualname__": qualname,
                                                   "__repr__": lambda self: text})
    return cls()


def remote_error(d: dict) -> Exception:
    """The student's error as an exception of the same name and builtin class, carrying their code's lines."""
    module, _, qualname = d["cls"].partition(":")
    base = resolve(d["cls"]) if module == "builtins" else next(
        (resolve(b) for b in d["bases"] if b.startswith("builtins:") and isinstance(resolve(b), type)
         and issubclass(resolve(b), Exception)), Exception)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        base = Exception
    message = d["message"]
    cls = type(qualname.rpartition(".")[2], (base,), {"__module__": module, "__qualname__": qualname,
                                                      "__str__": lambda self: message})
    try:
        error = cls(message)
    except Exception:  # an exception class that needs other arguments (UnicodeDecodeError)
        error = type(cls.__name__, (Exception,), {"__module__": module, "__qualname__": qualname,
                                                  "__str__": lambda self: message})(message)
    error.remote_frames = [tuple(f) for f in d["frames"]]
    return error


def free_names(source: str) -> list[str]:
    """The names a test cell uses without defining them (the student's functions)."""
    tree = ast.parse(source)
    bound = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
             if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    bound |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return sorted(used - bound - set(dir(builtins)) - {"torch", "nn"})


def prepare(sources: Iterable[str]) -> None:
    """Ready this process to judge test cells with these ``sources``: import the modules they import (the checks,
    scipy.stats with the statistics ones) once, here, rather than in each worker forked from here, and stand the
    checks' guard down. No student code runs in a grader, so nothing can replace what the checks use; restoring
    after every call into the kernel was a tenth of a grading worker's time."""
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a test cell nbgrader would report as it runs it
            continue
        for node in ast.walk(tree):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                try:
                    importlib.import_module(name)
                except ImportError:  # the test cell fails as it runs, and says so
                    pass
    from course_checks import guard
    guard.stand_down()


def judge(source: str, ask: Ask, timeout: float) -> tuple[Exception | None, list[str]]:
    """Run a test cell's code here, the student's functions reached in the kernel; return the error it
    raised (None when its checks passed) and the checks that ran to the end."""
    from course_checks import guard
    remote = Remote(ask, time.monotonic() + timeout)
    scope = {"__builtins__": builtins, "__name__": "__grading_test__", "torch": torch, "nn": nn}
    scope.update({name: remote.function(name) for name in free_names(source)})
    guard.passing.clear()
    try:
        exec(compile(source, "<test cell>", "exec"), scope)
    except Exception as error:  # a check failed (or the student's answer broke it): the cell's verdict
        return error, list(guard.passing)
    return None, list(guard.passing)
