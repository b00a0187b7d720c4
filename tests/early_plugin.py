"""Loaded before every other plugin of a pytest process (pyproject.toml: ``pythonpath`` and ``-p early_plugin``).

nbval imports nbformat, and so jsonschema, which loads its optional IRI format checks from rfc3987_syntax: a Lark
grammar built on import, about 1.3 CPU-s in each of a run's four pytest processes. As in ``python -m grading``
(grading/__main__.py), they are left unloaded: no schema nbformat or nbgrader validates names those formats
(tests/test_pins.py). Processes the tests start (stock nbgrader, kernels) are untouched.
"""
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "cannot be imported"
