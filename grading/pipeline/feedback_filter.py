"""What a student's feedback must not show: the hidden tests' code, and tracebacks into the hidden checks.

Used by nbgrader's generate_feedback (configured in the course's nbgrader_config.py), so
feedback made with nbgrader's own command or formgrader hides them too.
"""
from __future__ import annotations

import re
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.M | re.S)


class HideHiddenTests(Preprocessor):
    """Drop hidden-test regions from cells and reduce error outputs to their one-line message."""

    enabled = Bool(True)  # nbconvert runs a registered preprocessor only when it is enabled

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        if cell.cell_type == "code":
            cell.source = HIDDEN.sub("# (hidden tests)\n", cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
