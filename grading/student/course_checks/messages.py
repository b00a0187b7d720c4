"""One format for every failure a student sees: a short block instead of a traceback through the checks.

IPython shows an exception that has ``_render_traceback_`` through that method, so a failing
check shows what was checked, what was expected, what was found and a hint, plus the lines of
the student's own code when that code raised; never the checks' frames. The exception's text
(what nbgrader's validate and the feedback show) is the same block, its lines wrapped short
enough that ``nbgrader validate`` (which cuts lines at 87 characters) keeps all of it. It is written in
the language of the notebook's release (``language.py``): each part is translated as the block is made.
"""
from __future__ import annotations

import os
import site
import sysconfig
import textwrap
import traceback
import unicodedata
from typing import NoReturn

import torch

from .language import localise

WIDTH = 80
RED, RESET = "\x1b[1;31m", "\x1b[0m"
# Where the code of Python, the installed packages (wherever torch itself is) and these checks lives:
# a frame elsewhere is the student's own code.
LIBRARY_DIRS = tuple({os.path.abspath(p) for p in (
    *(sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")), *site.getsitepackages(),
    site.getusersitepackages(), os.path.dirname(os.path.dirname(torch.__file__)), os.path.dirname(__file__))})


def wrap(text: str, label: str) -> list[str]:
    """``label`` + text, wrapped to WIDTH with the continuation lines indented under the text (a Chinese
    character of the label is two columns wide)."""
    indent = " " * sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)
    return textwrap.wrap(text, WIDTH, initial_indent=label, subsequent_indent=indent,
                         break_long_words=True, break_on_hyphens=False) or [label.rstrip()]


def headline(text: str) -> list[str]:
    """The first lines of a block: its first line leaves room for the exception's name before it."""
    room = " " * (len(StudentCodeFailed.__name__) + 2)
    first, *rest = textwrap.wrap(text, WIDTH, initial_indent=room, subsequent_indent="",
                                 break_long_words=True, break_on_hyphens=False) or [room]
    return [first.removeprefix(room), *rest]


class CheckFailed(AssertionError):
    """A grader check found a wrong answer; its text, a short block, is meant for the student."""

    def __init__(self, what: str, expected: object, found: object, hint: str = "") -> None:
        self.what, self.expected, self.found, self.hint = what, expected, found, hint
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """What was checked (first line), then what was expected, what was found and the hint."""
        out = headline(localise(self.what))
        out += wrap(localise(str(self.expected)), localise("  expected: "))
        out += wrap(localise(str(self.found)), localise("  found:    "))
        if self.hint:
            out += wrap(localise(self.hint), localise("  hint:     "))
        return out

    def with_hint(self, hint: str) -> CheckFailed:
        """The same failure with another hint."""
        return CheckFailed(self.what, self.expected, self.found, hint)

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the block, its first line after the red name."""
        first, *rest = str(self).split("\n")
        return [f"{RED}{type(self).__name__}{RESET}: {first}", *rest]


def code_label(filename: str) -> str:
    """'Cell In[3]' for a notebook cell (as IPython names it), else the file's name."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
        named = shell.compile.format_code_name(filename) if shell is not None else None
        if named:
            return " ".join(named)
    except Exception:  # no IPython, or a shell that misbehaves: fall back to the file name
        pass
    return os.path.basename(filename)


def own_frames(error: BaseException) -> list[traceback.FrameSummary]:
    """The frames of the student's code in an error's traceback (not the checks', Python's or libraries')."""
    frames = traceback.extract_tb(error.__traceback__)
    return [f for f in frames if not os.path.abspath(f.filename).startswith(LIBRARY_DIRS)
            and not f.filename.startswith("<frozen")]


def safe_str(error: BaseException) -> str:
    """str(error) on one line, whatever the student's exception does."""
    try:
        text = str(error)
    except Exception:
        text = "<the error's message could not be shown>"
    return " ".join(text.split())[:300]


class StudentCodeFailed(CheckFailed):
    """The student's code raised while a check ran it; shows that error and the lines of their code."""

    def __init__(self, what: str, error: Exception, hint: str = "") -> None:
        self.error = error
        remote = getattr(error, "remote_frames", None)  # raised in the kernel while the grader ran the check
        self.frames = remote if remote is not None else [
            (code_label(f.filename), f.lineno, f.name, (f.line or "").strip()) for f in own_frames(error)]
        message = safe_str(error)
        super().__init__(what, "no error", f"{type(error).__name__}: {message}" if message else type(error).__name__,
                         hint or self.default_hint())

    @property
    def unimplemented(self) -> bool:
        """Whether the error is the template's ``raise NotImplementedError()``."""
        return isinstance(self.error, NotImplementedError)

    def default_hint(self) -> str:
        """A hint for errors whose cause is known from the error alone."""
        if self.unimplemented:
            return "replace that line with your code"
        if isinstance(self.error, RuntimeError) and "leaf Variable that requires grad" in safe_str(self.error):
            return "change parameters in place under torch.no_grad() (or through .data), so autograd records nothing"
        return "read your code's lines below: the error was raised there" if self.frames else ""

    def lines(self) -> list[str]:
        """The block; an unimplemented task in one line. Then the student's own frames, innermost last."""
        if self.unimplemented:
            name = self.frames[-1][2] if self.frames else self.what
            out = headline(localise(f"{name} still raises NotImplementedError: {self.hint}"))
        else:
            out = headline(localise(f"{self.what} raised {type(self.error).__name__}"))
            out += wrap(safe_str(self.error) or localise("(no message)"), localise("  error:    "))
            if self.hint:
                out += wrap(localise(self.hint), localise("  hint:     "))
        if self.frames:
            out.append(localise("  in your code:"))
            for label, line, function, source in self.frames[-4:]:
                out += wrap(localise(f"{label}, line {line}, in {function}"), "    ")
                if source:
                    out += wrap(source, "      ")
        return out

    def with_hint(self, hint: str) -> StudentCodeFailed:
        """The same error with another hint (unless it is an unimplemented task)."""
        return StudentCodeFailed(self.what, self.error, self.hint if self.unimplemented else hint)


def fail(what: str, expected: object, found: object, hint: str = "") -> NoReturn:
    """Raise CheckFailed: what was checked, what was expected, what was found, and a hint."""
    raise CheckFailed(what, expected, found, hint)


def require(condition: bool, what: str, expected: object, found: object, hint: str = "") -> None:
    """Fail with the standard message unless ``condition`` holds."""
    if not condition:
        fail(what, expected, found, hint)
