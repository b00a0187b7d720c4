"""pytest configuration shared by the notebook (nbval) and unit tests."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# Kernels started by nbval inherit this environment: the exercise notebooks import the
# student-facing checks (grading/student) and, in hidden tests, the `grading` package.
_paths = [str(ROOT), str(ROOT / "grading" / "student")]
_old = os.environ.get("PYTHONPATH")
os.environ["PYTHONPATH"] = os.pathsep.join(_paths + ([_old] if _old else []))
# Unit tests import the student-facing checks directly, as the notebooks do.
sys.path.insert(0, str(ROOT / "grading" / "student"))
