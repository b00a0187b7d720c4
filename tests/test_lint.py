"""grading/ and tests/ are clean for ruff and mypy (configured in pyproject.toml); CI runs them through pytest."""
from __future__ import annotations

import subprocess
import sys

import pytest

from grading import ROOT


@pytest.mark.parametrize("command", [["ruff", "check", "grading", "tests"], ["mypy", "grading", "tests"]],
                         ids=["ruff", "mypy"])
def test_code_is_clean(command):
    done = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command)} found problems:\n{done.stdout}{done.stderr}"
