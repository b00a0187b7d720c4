"""Imported at the start of every Python process a test run starts (conftest.py puts this folder on PYTHONPATH):
stock nbgrader, alembic, JupyterLab, Dask, the command and its kernels.

jsonschema loads its optional IRI format checks from rfc3987_syntax, which builds a Lark grammar on import: about
1.2 CPU-s in each such process. As in the test processes (tests/early_plugin.py) and in ``python -m grading``
(grading/__main__.py), they are left unloaded: no schema nbformat or nbgrader validates names those formats
(tests/test_pins.py, which starts its own process without this folder). Nothing else changes.
"""
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "cannot be imported"
