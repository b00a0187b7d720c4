"""Checks called by the visible test cells of the exercise notebooks.

This package is released to students beside every ``exercises.ipynb``; it needs only
torch and scipy. Each check raises ``AssertionError`` with a one-line message that says
what was checked, what was expected, what was found and the likely bug.
"""
