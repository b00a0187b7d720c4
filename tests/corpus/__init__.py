"""Public corpus of submissions per assignment: right in several idioms, wrong in plausible ways.

Each module ``aNN.py`` defines, per function of the exercise contract,
``CORRECT[function] = [(variant name, cell source), ...]`` (at least two idioms) and
``WRONG[function] = [(variant name, cell source, visible hint), ...]`` (at least three plausible
bugs, among them the idioms a reader of D2L brings along). A cell source is the whole solution
cell a student would hand in. The visible hint is a piece of the message with which the
function's *visible* test fails on that answer (or a tuple of pieces, any of which, where which case
of the test catches the answer first is not up to the grader); HIDDEN_ONLY marks a wrong answer that the
visible test cannot catch because it fits the visible case only (a hard-coded index), so that
only the hidden tests, on other networks, fail it.
"""
HIDDEN_ONLY = None
