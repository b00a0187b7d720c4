"""The language of the checks' messages, and their translation into it.

The released ``course_checks/`` says its language here: ``python -m grading release --lang zh`` writes
``"zh"`` below in the Chinese release, so a student's visible tests answer in the language of their
notebook. The grader reads the language from each submission instead (its ``metadata.course.language``)
and sets it with :func:`speaking` while it runs that notebook's checks, so the hidden tests answer in
the submission's language whatever the grading machine's locale.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

LANGUAGE = "en"
# The language now, last: a list changed in place, because the guard puts back every name of this module
# before each check (guard.py), which would undo a new binding.
_speaking = [LANGUAGE]


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Messages in ``language`` inside the block (the grader, for one submission)."""
    _speaking.append(language)
    try:
        yield
    finally:
        _speaking.pop()


@cache
def templates(language: str) -> list[tuple[re.Pattern[str], str, int, bool]]:
    """The language's templates: the pattern of the English, its translation, how many characters of English
    it translates itself, and whether it adds to a text before it (``"{}: the keys"`` wraps a check's name)."""
    if language != "zh":
        return []
    from .zh import TEMPLATES
    return [(re.compile("(.+?)".join(re.escape(part) for part in english.split("{}")), re.DOTALL), translated,
             len(english.replace("{}", "")), english.startswith("{}")) for english, translated in TEMPLATES.items()]


@cache
def parse(text: str, language: str) -> tuple[int, str]:
    """How many characters of ``text`` the language's templates translate, and the translation.

    Of the templates ``text`` matches, the one whose parse translates the most wins (a check's name and
    what it checked compose in either order, so ties go to the template that wraps a text before it); what
    fills its ``{}`` is parsed in turn. A text no template matches (a value, a name, code) stays as it is."""
    best, best_key = (0, text), (0, False)
    for pattern, translated, literal, wraps in templates(language):
        match = pattern.fullmatch(text)
        if match:
            parts = [parse(part, language) for part in match.groups()]
            key = (literal + sum(count for count, _ in parts), wraps)
            if key > best_key:
                best, best_key = (key[0], translated.format(*(part for _, part in parts))), key
    return best


def localise(text: str) -> str:
    """``text`` in the current language (as it is in English)."""
    return parse(text, _speaking[-1])[1]
