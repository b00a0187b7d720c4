"""One format for every failure message a student sees."""
from __future__ import annotations

from typing import NoReturn


class CheckFailed(AssertionError):
    """A grader check found a wrong answer; the message is meant for the student."""


def fail(what: str, expected: object, found: object, hint: str = "") -> NoReturn:
    """Raise CheckFailed with 'what: expected X, found Y. Hint: ...' on one line."""
    message = f"{what}: expected {expected}, found {found}."
    if hint:
        message += f" Hint: {hint}"
    raise CheckFailed(message)


def require(condition: bool, what: str, expected: object, found: object, hint: str = "") -> None:
    """Fail with the standard message unless ``condition`` holds."""
    if not condition:
        fail(what, expected, found, hint)
