"""Checks called by the visible test cells of the exercise notebooks.

This package is released to students beside every ``exercises.ipynb``; it needs only
torch and scipy. Each check raises ``CheckFailed`` (an ``AssertionError``) whose short block
says what was checked, what was expected, what was found and the likely bug, and shows the
lines of the student's own code when that code raised (``messages.py``).
"""
