"""Calling student code from a check without letting its warnings cost points or its side effects count.

nbgrader scores a test cell 0 when anything reaches stderr, so a correct answer that
triggers a harmless warning (for example ``float(loss)`` on a tensor that requires grad)
would lose its points. Checks call student functions through :func:`call`, which records
warnings, keeps the student's stderr out of the test cell's output, turns an error the
student's code raises into a :class:`StudentCodeFailed` that shows the lines of their code
(not the checks'), and afterwards puts back anything the student's function replaced in the
libraries the checks use.
"""
from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable
from typing import Any

from .guard import restore
from .messages import StudentCodeFailed


def name_of(fn: Callable[..., Any]) -> str:
    """The name a student gave a function, for messages."""
    name = getattr(fn, "__name__", None)
    return name if type(name) is str else "your function"


def call(fn: Callable[..., Any], *args: Any, what: str = "", hint: str = "",
         _restore: Callable[[], list[str]] = restore) -> Any:
    """``fn(*args)`` with its warnings recorded and its stderr swallowed, then the libraries restored.

    An exception the call raises (MemoryError aside, which the grader reports as such) becomes a
    StudentCodeFailed that says ``what`` was running (by default ``fn(...)``) and gives ``hint``."""
    try:
        with warnings.catch_warnings(record=True), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("always")
            return fn(*args)
    except MemoryError:
        raise
    except Exception as error:
        raise StudentCodeFailed(what or f"{name_of(fn)}(...)", error, hint) from None
    finally:
        _restore()


def runs(fn: Callable[..., Any], *args: Any) -> None:
    """Fail unless ``fn(*args)`` runs without error; show nothing (a test cell must leave no value,
    which nbgrader would read as partial credit)."""
    call(fn, *args)
