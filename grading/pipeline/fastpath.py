"""nbgrader's per-notebook overheads, removed inside our grading workers (same grades, less work).

Profiling one worker (README, "Speed") showed costs that do not depend on the notebook:
nine ``Gradebook`` objects per notebook, each creating an SQLAlchemy engine and re-checking
every table; ``jsonschema.validate`` re-validating nbgrader's cell-metadata schema itself for
every cell, twice per notebook; and jupyter_client's fixed waits: 0.2 s of IOPub silence
before a new kernel counts as ready, 0.1 s between attempts to connect to it and between polls
of a stopping kernel. And each new gradebook (a release, a new database) costs a new interpreter
running ``alembic heads`` (2.4 CPU-s) for the revision nbgrader stamps on it. The fixes touch
private names of nbgrader, jsonschema and jupyter_client, so each is applied only on the versions
those names were read in (:mod:`grading.pins`; on others it is off and stderr says so) and only in
our processes (workers, and the commands that make gradebooks); stock ``nbgrader`` is unchanged.
"""
from __future__ import annotations

import importlib
import json
import time
import warnings
from functools import cache
from queue import Empty
from typing import Any

import jsonschema
import zmq.asyncio
from alembic.config import Config
from alembic.script import ScriptDirectory
from jupyter_client.asynchronous import AsyncKernelClient
from nbgrader import api, dbutil
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import scoped_session, sessionmaker
from traitlets import Type, default

from .. import pins
from ..sandbox.channel import BoundedKernelClient, BoundedKernelManager
from .execute import BoundedExecute

GRADEBOOK_USERS = ("nbgrader.converters.autograde", "nbgrader.preprocessors.saveautogrades",
                   "nbgrader.preprocessors.overwritecells", "nbgrader.preprocessors.overwritekernelspec",
                   "nbgrader.preprocessors.latesubmissions", "nbgrader.preprocessors.getgrades")


class SharedEngineGradebook(api.Gradebook):
    """nbgrader's Gradebook whose engine (and table check) is made once per process and database."""

    _engines: dict[tuple[str, str], Engine] = {}
    engine: Engine

    def __init__(self, db_url: str, course_id: str = "default_course", authenticator: Any = None) -> None:
        key = (db_url, course_id)
        if key not in self._engines:
            super().__init__(db_url, course_id, authenticator)  # creates tables and the course if needed
            self._engines[key] = self.engine
            return
        self.engine = self._engines[key]
        self.db = scoped_session(sessionmaker(autoflush=True, bind=self.engine, future=True))
        self.course_id = course_id
        self.authenticator = authenticator

    def close(self) -> None:
        """End the session but keep the engine and its pooled connection for the next notebook."""
        self.db.remove()


STOCK_GRADEBOOK_VERSION = api.get_alembic_version  # nbgrader's own: `alembic heads` in a new interpreter


@cache
def gradebook_version() -> str:
    """The revision nbgrader stamps on a new gradebook, its migrations' head, read in this process by alembic's
    own API (the answer ``alembic heads`` prints; 0.08 CPU-s instead of 2.4)."""
    config = Config()
    config.set_main_option("script_location", dbutil.ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError(f"nbgrader's migrations in {dbutil.ALEMBIC_DIR} have no head revision")
    return head


def install_gradebook_version() -> None:
    """New gradebooks made in this process get their revision from :func:`gradebook_version`."""
    if pins.active(pins.GRADEBOOK_VERSION):
        api.get_alembic_version = gradebook_version


class CheckedSchemas:
    """Stands in for the ``jsonschema`` module in nbgrader's metadata validator: checks each schema once.

    nbgrader loads its schema anew for every validator it creates, so validators are kept by the
    schema's content, not by the dict's identity.
    """

    def __init__(self) -> None:
        self._validators: dict[str, Any] = {}

    def validate(self, instance: Any, schema: dict) -> None:
        """jsonschema.validate, minus re-checking the (constant) schema against its metaschema every call."""
        content = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(content)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[content] = cls(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error


class QuickKernelClient(BoundedKernelClient):
    """The grader's client, ready once the kernel has answered kernel_info on shell *and* IOPub, whose
    sockets retry connecting to a starting kernel every 10 ms (not 100 ms).

    jupyter_client waits for 0.2 s without IOPub messages after the reply; seeing the idle status of
    the request on IOPub proves the same (IOPub is connected) without the wait.
    """

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.RECONNECT_IVL, 10)
        return context

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        requests: set[str] = set()  # a slow kernel answers several at once: any of their idles will do
        while time.monotonic() < deadline:
            requests.add(self.kernel_info())
            try:
                reply = await self._async_get_shell_msg(timeout=1)
            except Empty:
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info") from None
                continue
            if reply["msg_type"] == "kernel_info_reply" and await self._idle_on_iopub(requests):
                self._handle_kernel_info_reply(reply)
                return
        raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    async def _idle_on_iopub(self, requests: set[str], timeout: float = 0.1) -> bool:
        """Whether IOPub carries the kernel's idle status after one of ``requests`` (False: not connected yet)."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                msg = await self._async_get_iopub_msg(timeout=left)
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") in requests):
                return True
        return False


class QuickKernelManager(BoundedKernelManager):
    """The grader's kernel manager with 10 ms instead of 100 ms waits: its control socket retries
    connecting, and a stopping kernel is polled, every 10 ms."""

    client_factory = Type(QuickKernelClient, klass=AsyncKernelClient)

    @default("context")
    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.RECONNECT_IVL, 10)
        return context

    async def _async_wait(self, pollinterval: float = 0.01) -> None:
        await super()._async_wait(pollinterval=min(pollinterval, 0.01))


def install() -> None:
    """Apply the fixes in this process (a grading worker), each only on the versions its names were read in."""
    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own session warnings, not ours to fix
    if pins.active(pins.SHARED_GRADEBOOK):
        for name in GRADEBOOK_USERS:
            user: Any = importlib.import_module(name)
            user.Gradebook = SharedEngineGradebook
    if pins.active(pins.CHECKED_SCHEMAS):
        common: Any = importlib.import_module("nbgrader.nbgraderformat.common")
        common.jsonschema = CheckedSchemas()
    if pins.active(pins.QUICK_KERNELS):
        BoundedExecute.manager_class = QuickKernelManager
    install_gradebook_version()
