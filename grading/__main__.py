"""``python -m grading``: the instructor's command line."""
import sys

from .instructor import main

sys.exit(main())
