"""``python -m grading``: the instructor's command line."""
import sys

# jsonschema loads its optional IRI format checks from rfc3987_syntax, which builds a Lark grammar on import: about
# 1 s of every start of this command. Nothing it validates uses those formats (nbformat's and nbgrader's schemas name
# none: tests/test_pins.py), so they are left unloaded; any other format check is unchanged.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "cannot be imported"

from .cli import main  # noqa: E402  (after the line above, which must precede jsonschema's import)

sys.exit(main())
