"""nbgrader's overheads removed in our workers change nothing it decides (end to end: the bench and the demo)."""
from __future__ import annotations

import asyncio
from queue import Empty

import jsonschema
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from grading.fastpath import CheckedSchemas, QuickKernelClient

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


def test_a_slow_kernel_is_ready_when_iopub_shows_the_idle_of_any_request_it_answered():
    """A kernel that starts slowly gets several kernel_info requests; IOPub, connected late, may carry
    only the idle status of a later one. That is enough: the client must not wait for the first."""
    class Scripted(QuickKernelClient):
        def __init__(self) -> None:
            super().__init__()
            self.sent: list[str] = []
            self.ready_with = None

        def kernel_info(self) -> str:
            self.sent.append(f"r{len(self.sent) + 1}")
            return self.sent[-1]

        async def _async_get_shell_msg(self, timeout: float | None = None) -> dict:
            if len(self.sent) < 2:  # still importing torch: no answer within the first second
                raise Empty
            answered = f"r{len(self.sent) - 1}"  # the replies come late, one request behind
            return {"msg_type": "kernel_info_reply", "parent_header": {"msg_id": answered}, "content": {}}

        async def _async_get_iopub_msg(self, timeout: float | None = None) -> dict:
            if len(self.sent) != 2:
                raise Empty
            return {"msg_type": "status", "content": {"execution_state": "idle"}, "parent_header": {"msg_id": "r2"}}

        async def _async_is_alive(self) -> bool:
            return True

        def _handle_kernel_info_reply(self, msg: dict) -> None:
            self.ready_with = msg["parent_header"]["msg_id"]

    client = Scripted()
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.ready_with == "r1" and client.sent == ["r1", "r2"]
