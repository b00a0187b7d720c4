"""Public corpus of submissions per assignment: right in several idioms, wrong in plausible ways.

Each module ``aNN.py`` defines, per function of the exercise contract,
``CORRECT[function] = [(variant name, cell source), ...]`` (at least two idioms) and
``WRONG[function] = [(variant name, cell source), ...]`` (at least three plausible bugs).
A cell source is the whole solution cell a student would hand in.
"""
