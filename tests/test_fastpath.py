"""nbgrader's overheads removed in our workers change nothing it decides (end to end: the bench and the demo)."""
from __future__ import annotations

import jsonschema
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from grading.fastpath import CheckedSchemas

GOOD = {"grade": True, "grade_id": "test_x", "locked": True, "points": 1, "schema_version": 3, "solution": False,
        "task": False}


@pytest.mark.parametrize("metadata", [GOOD, {**GOOD, "points": "one"}, {**GOOD, "grade": "yes"},
                                      {k: v for k, v in GOOD.items() if k != "grade_id"}])
def test_cached_metadata_validation_decides_like_jsonschema(metadata):
    schema = MetadataValidator().schema
    try:
        jsonschema.validate(metadata, schema)
        expected = None
    except jsonschema.ValidationError as exc:
        expected = exc.message
    checked = CheckedSchemas()
    for _ in range(2):  # nbgrader loads a new, equal schema for every validator: the second is cached
        try:
            checked.validate(metadata, MetadataValidator().schema)
            found = None
        except jsonschema.ValidationError as exc:
            found = exc.message
        assert found == expected
    assert len(checked._validators) == 1
