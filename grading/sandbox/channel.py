"""The grader's end of a kernel's channels: message frames over a bound are refused unread, over Unix sockets.

A kernel runs the student's code, so everything it sends is hostile until bounded. These
classes are what nbgrader's Execute step (:mod:`grading.pipeline.execute`) uses to start and
talk to one: a frame over :data:`MAX_MESSAGE_BYTES` is dropped by ZMQ before it is read, no stdin
channel is opened (grading never answers ``input()``), and the sockets are Unix sockets in a
folder of their own, so a sandboxed kernel needs no network at all. The bound overrides private names
of jupyter_client: a kernel manager refuses to start on a version they were not read in (:mod:`grading.pins`).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Type, default

from .. import pins

MAX_MESSAGE_BYTES = 256 * 2**20  # one message frame from the kernel; a bigger one is refused unread


def bounded_context(context: zmq.asyncio.Context) -> zmq.asyncio.Context:
    """``context``, whose new sockets refuse message frames over MAX_MESSAGE_BYTES."""
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    return context


class BoundedKernelClient(AsyncKernelClient):
    """jupyter_client's client whose sockets refuse huge frames unread, and which opens no stdin channel."""

    def _context_default(self) -> zmq.asyncio.Context:
        return bounded_context(super()._context_default())

    def start_channels(self, shell: bool = True, iopub: bool = True, stdin: bool = True, hb: bool = True,
                       control: bool = True) -> None:
        super().start_channels(shell=shell, iopub=iopub, stdin=False, hb=hb, control=control)


class BoundedKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, handing out bounded clients (its own control socket bounded too).

    Its kernel is reached over Unix sockets (``ipc`` transport) in a folder of its own, not over
    TCP: a sandboxed kernel then needs no network at all (it gets an empty network namespace,
    :mod:`grading.sandbox.confine`), and nothing of the machine's loopback is reachable from it.
    """

    client_factory = Type(BoundedKernelClient, klass=AsyncKernelClient)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pins.require(pins.BOUNDED_CHANNEL)  # on unread internals, frames of any size could reach the grader
        super().__init__(*args, **kwargs)

    @default("context")
    def _context_default(self) -> zmq.asyncio.Context:
        return bounded_context(super()._context_default())

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    @default("connection_file")
    def _connection_file_default(self) -> str:
        # a folder only root (or the grader's user) may enter: the sockets' paths become <folder>/kernel-ipc-<port>
        return os.path.join(tempfile.mkdtemp(prefix="grading-ipc-", dir="/tmp"), "kernel.json")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        folder = os.path.dirname(self.connection_file)
        if not restart and self.transport == "ipc" and os.path.basename(folder).startswith("grading-ipc-"):
            shutil.rmtree(folder, ignore_errors=True)

    # jupyter_client binds the public name to its own coroutine, not to an override: nbclient calls it for a kernel
    # that died, which would leave that kernel's empty folder behind in /tmp
    cleanup_resources = _async_cleanup_resources
