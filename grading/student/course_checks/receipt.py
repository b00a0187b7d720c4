"""What a check's receipt is: its output metadata key and its signature (shared with the grader).

Dependency-free, so the grader can read receipts without importing torch.
"""
from __future__ import annotations

import hashlib
import hmac

ENV_KEY = "GRADING_RECEIPT_KEY"  # the signing key a grading kernel is started with (removed at once)
RECEIPT = "course_check"         # output metadata key of a receipt


def mac(key: str, check: str) -> str:
    """The signature a receipt for ``check`` carries under ``key``."""
    return hmac.new(key.encode(), check.encode(), hashlib.sha256).hexdigest()
