"""Calling student code from a check without letting its warnings cost points or its side effects count.

nbgrader scores a test cell 0 when anything reaches stderr, so a correct answer that
triggers a harmless warning (for example ``float(loss)`` on a tensor that requires grad)
would lose its points. Checks call student functions through :func:`call`, which records
warnings, keeps the student's stderr out of the test cell's output, and afterwards puts
back anything the student's function replaced in the libraries the checks use.
"""
from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any, Callable

from .guard import restore


def call(fn: Callable[..., Any], *args: Any, _restore: Callable[[], list[str]] = restore, **kwargs: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` with its warnings recorded and its stderr swallowed, then restore the libraries."""
    try:
        with warnings.catch_warnings(record=True), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("always")
            return fn(*args, **kwargs)
    finally:
        _restore()
