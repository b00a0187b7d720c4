"""The kernel's side of grading: one call into the student's code, answered as plain data.

At grading time no check runs in the student's kernel (:mod:`grading.pipeline.judge` runs them in the
grading worker). Every call a check makes into a student's function reaches the kernel as one
execute request running :data:`CALL`, the request its binary buffer: a pickle made by the grader
holding the function's name (or a handle to an object an earlier call returned), the arguments and the
global RNG's state. The function runs on them (or, for ``apply``, ``net.apply(function)`` runs on the one net
given, in one request rather than one per module), and what happened is displayed as one JSON
message of type :data:`MIME`: the value returned, the state of every argument afterwards (values,
gradients, whether each parameter is still the object it was, what was put in its place), the
RNG's state, or the error raised with the lines of the student's own code. Tensors' raw bytes travel
as the message's binary buffers, which the JSON names by index (no base64, no JSON string of them, no
signature over them). Nothing here decides anything: a notebook that replaces this module can only
answer with data, and passing still takes correct results for inputs it never saw.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import traceback
import warnings
from collections.abc import Mapping
from typing import Any, cast

import torch
from torch import nn

MIME = "application/vnd.parameter-course.probe+json"
CALL = "__import__('grading.sandbox.probe', fromlist=['serve']).serve()"  # the code of every probe request
SIMPLE = (bool, int, float, str, type(None))
_returned: dict[int, Any] = {}  # handle -> an object an earlier call returned (kept alive, so ids stay unique)
_handles: dict[int, int] = {}   # id(object) -> its handle
HERE = os.path.dirname(os.path.abspath(__file__))


def raw_bytes(tensor: torch.Tensor) -> bytes:
    """A tensor's values as its raw bytes (contiguous, on the CPU)."""
    return tensor.detach().cpu().contiguous().numpy().tobytes()


class Describer:
    """Describes values as JSON-ready data; knows the arguments' objects, so identity survives the trip."""

    def __init__(self, given: dict[int, str], tensors: dict[torch.Tensor, str]) -> None:
        self.given = given          # id(object) of everything the grader sent -> its handle ("a3")
        self.shared = tensors       # the tensors the grader sent, whose memory a result may share
        self.seen: dict[int, int] = {}  # id(object) described in this reply -> its index in self.objects
        self.objects: list[Any] = []
        self.buffers: list[bytes] = []  # the reply's binary buffers: tensors' raw bytes

    def data(self, tensor: torch.Tensor) -> int:
        """A tensor's raw bytes, put in a buffer of the reply: the buffer's index."""
        self.buffers.append(raw_bytes(tensor))
        return len(self.buffers) - 1

    def value(self, x: Any) -> Any:
        """A description of any value; an object met twice is described once and referenced after."""
        kind = type(x)
        if x is None or kind in (bool, int, str):
            return {"t": "py", "v": x}
        if kind is float:
            return {"t": "float", "v": repr(x)}
        if id(x) in self.seen:
            return {"t": "ref", "i": self.seen[id(x)]}
        if isinstance(x, (torch.Tensor, nn.Module)):
            self.seen[id(x)] = len(self.objects)
            self.objects.append(x)
            described = self.tensor(x) if isinstance(x, torch.Tensor) else self.module(x)
            described["i"] = self.seen[id(x)]
            if id(x) in self.given:
                described["is"] = self.given[id(x)]
            elif isinstance(x, nn.Module):
                described["h"] = remember(x)
            return described
        if kind in (list, tuple, set, frozenset):
            return {"t": kind.__name__, "items": [self.value(item) for item in x]}
        if kind is torch.Size:
            return {"t": "size", "v": list(x)}
        if kind is dict or (kind.__name__ in ("OrderedDict", "defaultdict") and kind.__module__ == "collections"):
            return {"t": "dict", "kind": kind.__name__, "items": [[self.value(k), self.value(v)] for k, v in x.items()]}
        if isinstance(x, torch.dtype):
            return {"t": "dtype", "v": str(x).removeprefix("torch.")}
        return {"t": "opaque", **class_of(kind), "repr": short_repr(x)}

    def tensor(self, x: torch.Tensor) -> dict[str, Any]:
        """Class, dtype, shape, values, autograd state, gradient, and which sent tensor's memory it shares."""
        out: dict[str, Any] = {"t": "tensor", **class_of(type(x)), "requires_grad": x.requires_grad}
        if isinstance(x, nn.parameter.UninitializedParameter):
            return {**out, "uninitialized": True}
        out.update(dtype=str(x.dtype).removeprefix("torch."), shape=list(x.shape), data=self.data(x),
                   leaf=x.is_leaf, grad_fn=type(x.grad_fn).__name__ if x.grad_fn is not None else None)
        if x.is_leaf and x.grad is not None:
            out["grad"] = self.value(x.grad)
        for other, handle in self.shared.items():
            if other is not x and x.numel() and other.untyped_storage().data_ptr() == x.untyped_storage().data_ptr():
                out["view"] = {"of": handle, "offset": x.storage_offset(), "stride": list(x.stride())}
                break
        return out

    def module(self, m: nn.Module) -> dict[str, Any]:
        """Class (and the nearest torch.nn class it derives from), simple attributes, children, parameters, buffers."""
        kind = type(m)
        # the nearest torch.nn class in a module's MRO is a torch.nn module class
        base = cast(type[nn.Module], next((c for c in kind.__mro__ if c.__module__.startswith("torch.nn")), nn.Module))
        attrs = {k: self.value(v) for k, v in vars(m).items() if simple(v) and k != "training"}
        return {"t": "module", **class_of(kind), "base": f"{base.__module__}:{base.__qualname__}",
                "own_forward": kind.forward is not base.forward, "training": m.training, "attrs": attrs,
                "children": [[n, self.value(c)] for n, c in m._modules.items()],
                "params": [[n, self.value(p)] for n, p in m._parameters.items()],
                "buffers": [[n, self.value(b)] for n, b in m._buffers.items()],
                "transient": sorted(m._non_persistent_buffers_set)}


def simple(v: Any) -> bool:
    """A value that JSON carries exactly: None, bool, int, str, finite float, and tuples or lists of them."""
    if type(v) in (tuple, list):
        return all(simple(item) for item in v)
    return type(v) in SIMPLE and (type(v) is not float or v == v and abs(v) != float("inf"))


def class_of(kind: type) -> dict[str, Any]:
    """Where a class is defined, and the builtin or torch classes it derives from (for exceptions, fakes)."""
    bases = [f"{c.__module__}:{c.__qualname__}" for c in kind.__mro__[1:]
             if c.__module__ in ("builtins",) or c.__module__.startswith("torch")]
    return {"cls": f"{kind.__module__}:{kind.__qualname__}", "bases": bases}


def short_repr(x: Any, limit: int = 200) -> str:
    """repr of a student object, on one line, whatever its __repr__ does."""
    try:
        text = repr(x)
    except Exception as exc:  # a student object whose __repr__ raises
        text = f"<unprintable: {type(exc).__name__}>"
    return " ".join(text.split())[:limit]


def remember(x: Any) -> int:
    """A handle for an object returned to the grader, so a later call can name it (a module's own forward)."""
    if id(x) not in _handles:
        handle = len(_returned) + 1
        _returned[handle] = x
        _handles[id(x)] = handle
    return _handles[id(x)]


def objects_in(args: Any) -> dict[str, Any]:
    """Every module and tensor in a call's arguments (nested in lists, submodules, parameters, buffers,
    gradients) by a path both sides compute alike ("a0.m:1.p:weight"): how the grader's objects and the
    kernel's copies of them are told apart and matched."""
    found: dict[str, Any] = {}
    seen: set[int] = set()

    def visit(x: Any, path: str) -> None:
        if id(x) in seen:
            return
        if isinstance(x, nn.Module):
            seen.add(id(x))
            found[path] = x
            for name, child in x._modules.items():
                if child is not None:
                    visit(child, f"{path}.m:{name}")
            for name, p in [*x._parameters.items(), *x._buffers.items()]:
                if p is not None:
                    visit(p, f"{path}.p:{name}")
        elif isinstance(x, torch.Tensor):
            seen.add(id(x))
            found[path] = x
            if x.grad is not None:
                visit(x.grad, f"{path}.grad")
        elif type(x) in (list, tuple):
            for i, item in enumerate(x):
                visit(item, f"{path}.{i}")

    for index, arg in enumerate(args):
        visit(arg, f"a{index}")
    return found


def handles_of(args: Any) -> tuple[dict[int, str], dict[torch.Tensor, str]]:
    """The objects the grader sent, by id, and its tensors (whose memory a result may share)."""
    found = objects_in(args)
    return ({id(x): path for path, x in found.items()},
            {x: path for path, x in found.items() if isinstance(x, torch.Tensor)})


def own_frames(error: BaseException) -> list[list[Any]]:
    """The frames of the student's code in an error's traceback: [label, line number, function, source line]."""
    from IPython import get_ipython
    shell = get_ipython()
    roots = tuple({os.path.dirname(os.path.dirname(torch.__file__)), os.path.dirname(os.__file__), HERE})
    frames = []
    for f in traceback.extract_tb(error.__traceback__):
        if os.path.abspath(f.filename).startswith(roots) or f.filename.startswith("<frozen"):
            continue
        named = shell.compile.format_code_name(f.filename) if shell is not None else None
        frames.append([" ".join(named) if named else os.path.basename(f.filename), f.lineno, f.name,
                       (f.line or "").strip()])
    return frames


def describe_error(error: BaseException) -> dict[str, Any]:
    """An error the student's code raised: its class (and builtin bases), message and the student's frames."""
    try:
        message = str(error)
    except Exception:
        message = "<the error's message could not be shown>"
    return {**class_of(type(error)), "message": " ".join(message.split())[:300], "frames": own_frames(error)}


def returned_object(handle: int) -> Any:
    """An object the kernel returned to the grader earlier, sent back by the grader as itself."""
    return _returned[handle]


_stand_ins: dict[str, type[nn.Module]] = {}


def stand_in(module: str, qualname: str, base: str, state: dict[str, Any]) -> nn.Module:
    """A module of a class of the grader's own (which this kernel cannot import): its torch.nn base under its name."""
    key = f"{module}:{qualname}"
    if key not in _stand_ins:
        where, _, name = base.partition(":")
        parent: Any = __import__(where, fromlist=["_"])
        for part in name.split("."):
            parent = getattr(parent, part)
        # parent, the class's base, is a torch.nn module class
        _stand_ins[key] = cast(type[nn.Module], type(qualname.rpartition(".")[2], (parent,),
                                                     {"__module__": module, "__qualname__": qualname}))
    made = _stand_ins[key].__new__(_stand_ins[key])
    made.__dict__.update(state)
    return made


def applied(function: Any, net: nn.Module, at: list[str]) -> None:
    """``net.apply(function)`` as torch runs it (each submodule, then the module itself), noting in ``at`` the name
    of the module the function is called on: one request for a whole net instead of one per module."""
    names = {id(m): name for name, m in net.named_modules()}

    def each(module: nn.Module) -> None:
        at[:] = [names.get(id(module), "?")]
        function(module)

    net.apply(each)


def answer(request: bytes, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Run the call a request asks for, the student's functions looked up in ``namespace``; describe what happened."""
    message = torch.load(io.BytesIO(request), weights_only=False)
    args = message["args"]
    for tensor, grad in message.get("grads", []):
        tensor.grad = grad  # pickles leave gradients out
    describer = Describer(*handles_of(args))
    target = message["target"]
    function = _returned.get(target) if isinstance(target, int) else namespace.get(target)
    torch.set_rng_state(message["rng"])
    reply: dict[str, Any] = {}
    at: list[str] = []  # with "apply": the name of the module the function was last called on
    with warnings.catch_warnings(record=True), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("always")
        try:
            if function is None:
                raise NameError(f"name '{target}' is not defined")
            if message.get("apply") is True:
                applied(function, args[0], at)
            else:
                reply["result"] = describer.value(function(*args))
        except Exception as error:  # the student's code raised: the check decides what that means
            reply["error"] = describe_error(error)
            if at:
                reply["at"] = at[0]
    reply["args"] = [describer.value(arg) for arg in args]
    reply["rng"] = describer.data(torch.get_rng_state())
    reply["buffers"] = describer.buffers
    return reply


def serve() -> None:
    """In the kernel: answer the request that came with this execute request (its binary buffer, not code: a
    long literal would cost IPython far more to read than the call itself) with the notebook's own functions,
    shown as one :data:`MIME` display message that carries the tensors' bytes as its buffers (sent by the display
    publisher's own session and socket: its ``publish`` takes no buffers)."""
    from IPython import get_ipython
    shell = get_ipython()
    buffer = shell.kernel.get_parent()["buffers"][0]
    request = buffer.bytes if hasattr(buffer, "bytes") else bytes(buffer)
    reply = answer(request, shell.user_ns)
    buffers = reply.pop("buffers")
    publisher = shell.display_pub
    message = publisher.session.msg("display_data", {"data": {MIME: reply}, "metadata": {}, "transient": {}},
                                    parent=publisher.parent_header)
    publisher.session.send(publisher.pub_socket, message, ident=publisher.topic, buffers=buffers)
    sys.stdout.flush()
