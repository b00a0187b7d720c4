"""nbgrader's overheads removed in our workers change nothing it decides (end to end: the bench and the demo)."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from queue import Empty

import jsonschema
import pytest
import zmq
from nbgrader.nbgraderformat import MetadataValidator

from grading.course import ROOT
from grading.pipeline.fastpath import (
    STOCK_GRADEBOOK_VERSION,
    CheckedSchemas,
    QuickKernelClient,
    QuickKernelManager,
    gradebook_version,
    install_gradebook_version,
)
from grading.sandbox.channel import MAX_MESSAGE_BYTES, BoundedKernelClient

GOOD = {"grade": True, "grade_id": "test_x", "locked": True, "points": 1, "schema_version": 3, "solution": False,
        "task": False}


def test_a_new_gradebook_gets_the_revision_alembic_heads_prints(tmp_path):
    """The in-process revision is the one nbgrader's own `alembic heads` run gives, and a gradebook made with the
    fast path on is stamped with it (so nbgrader's later migrations start from the right place)."""
    from nbgrader import api
    from sqlalchemy import create_engine, text

    stock = STOCK_GRADEBOOK_VERSION()
    assert gradebook_version() == stock
    install_gradebook_version()  # what course_api and the workers do
    assert api.get_alembic_version is gradebook_version
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with api.Gradebook(url):
        pass
    with create_engine(url).connect() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == stock


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


@pytest.mark.parametrize("client", [QuickKernelClient, BoundedKernelClient])
def test_grading_clients_refuse_giant_messages(client):
    """Both the workers' client and the one stock nbgrader gets from the course's config refuse, unread,
    a message frame over 256 MiB; the workers' also reconnects every 10 ms to a starting kernel."""
    kernel_client = client()  # kept: its context is destroyed with it
    sock = kernel_client.context.socket(zmq.SUB)
    try:
        assert sock.getsockopt(zmq.MAXMSGSIZE) == MAX_MESSAGE_BYTES == 256 * 2**20
        assert (sock.getsockopt(zmq.RECONNECT_IVL) == 10) == (client is QuickKernelClient)
    finally:
        sock.close()


def test_installed_fast_path_gives_the_execute_step_its_quick_bounded_kernels():
    assert issubclass(QuickKernelManager.client_factory.default_value, BoundedKernelClient)
    # in its own process, as in a worker: install() is global
    code = ("from grading.pipeline import execute, fastpath\n"
            "assert execute.BoundedExecute().kernel_manager_class is execute.BoundedKernelManager\n"
            "fastpath.install()\n"
            "assert execute.BoundedExecute().kernel_manager_class is fastpath.QuickKernelManager\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
