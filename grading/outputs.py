"""Bounds on what a grading kernel can send back, so one student's output cannot fill the grader.

Everything a kernel shows arrives at the process that runs nbgrader and is kept in the
autograded notebook, its feedback and that process's memory. The kernel runs the student's
code, so the bounds are applied where the output arrives, by nbgrader's own Execute step:
the client's ZMQ sockets refuse any message over :data:`MAX_MESSAGE_BYTES` before it is
decoded, and each cell keeps at most ``max_output_bytes`` characters of output. Past that,
stream text is cut and other outputs are dropped, with one note saying so (a display, which
nbgrader's scoring ignores). What decides a test cell's score is trimmed but never dropped:
errors, writes to stderr and the small receipts of the course's checks (:mod:`grading.receipts`).
So a chatty but correct student keeps every point, and a failing test keeps its failure.
"""
from __future__ import annotations

from typing import Any

import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import Execute
from traitlets import Integer, Type

from .student.course_checks.receipt import RECEIPT

MAX_MESSAGE_BYTES = 64 * 2**20  # one message from the kernel; a bigger one is refused unread
CUT = "output_cut"  # metadata key of the note a cut cell shows
GROWING = {"stream", "display_data", "execute_result", "update_display_data", "comm_open", "comm_msg"}
RECEIPT_CHARS = 4096   # a real receipt is a few hundred characters
KEPT_PER_CELL = 100    # errors and receipts kept in one cell (a test cell shows one or two)
ERROR_CHARS = 10_000   # of an error's message, and of its traceback's first and last lines


def size(value: Any) -> int:
    """Characters in a decoded message's content (strings, keys and values, nested), plus 8 per other item."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(len(k) + size(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(size(v) for v in value)
    return 8


def is_receipt(msg: dict) -> bool:
    """Whether a message is shaped like a check's receipt (its signature is checked later)."""
    return (msg["msg_type"] == "display_data" and RECEIPT in (msg["content"].get("metadata") or {})
            and size(msg["content"]) <= RECEIPT_CHARS)


def trim_error(error: dict) -> None:
    """Shorten an error's message and traceback in place, keeping their beginning and end."""
    evalue = str(error.get("evalue", ""))
    if len(evalue) > ERROR_CHARS:
        error["evalue"] = evalue[:ERROR_CHARS // 2] + " ... " + evalue[-ERROR_CHARS // 2:]
    lines = [str(line) for line in error.get("traceback") or []]
    if size(lines) > 2 * ERROR_CHARS:
        lines = [line[:ERROR_CHARS] for line in lines]
        head, tail, room = [], [], ERROR_CHARS
        while lines and room > 0:
            room -= len(lines[0])
            head.append(lines.pop(0))
        room = ERROR_CHARS
        while lines and room > 0:
            room -= len(lines[-1])
            tail.insert(0, lines.pop())
        error["traceback"] = head + ["... traceback cut by the grader ..."] * bool(lines) + tail


class BoundedKernelClient(AsyncKernelClient):
    """jupyter_client's client whose sockets refuse, unread, any message over MAX_MESSAGE_BYTES."""

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        return context


class BoundedKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, handing out bounded clients."""

    client_factory = Type(BoundedKernelClient, klass=AsyncKernelClient)


class BoundedExecute(Execute):
    """nbgrader's Execute step, keeping at most ``max_output_bytes`` of each cell's output."""

    max_output_bytes = Integer(1_000_000, help="characters of output one cell may keep").tag(config=True)
    # seconds to wait, after a cell's reply, for the rest of its output: a refused message never comes,
    # so this ends such a notebook (status output_limit); long enough that a loaded machine is not mistaken for one
    iopub_timeout = Integer(10, help=Execute.iopub_timeout.help).tag(config=True)
    manager_class: type[AsyncKernelManager] = BoundedKernelManager  # grading.fastpath swaps in a quicker one

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", self.manager_class)
        super().__init__(*args, **kwargs)
        self._room: dict[int, int] = {}
        self._kept: dict[int, int] = {}

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        self._room[index], self._kept[index] = self.max_output_bytes, 0
        return super().preprocess_cell(cell, resources, index)

    def process_message(self, msg: dict, cell: NotebookNode, cell_index: int) -> NotebookNode | None:
        kind, content = msg["msg_type"], msg["content"]
        if kind != "error" and kind not in GROWING:
            return super().process_message(msg, cell, cell_index)
        room, need = self._room.get(cell_index, self.max_output_bytes), size(content)
        stderr = kind == "stream" and content.get("name") == "stderr"
        if kind == "error" or is_receipt(msg) or (stderr and need > room):
            # kept whatever the cell showed before: each of them can decide the cell's score
            if self._kept.get(cell_index, 0) >= KEPT_PER_CELL:
                return None
            self._kept[cell_index] = self._kept.get(cell_index, 0) + 1
            if kind == "error":
                trim_error(content)
            elif stderr:
                content["text"] = str(content.get("text", ""))[:ERROR_CHARS]
            return super().process_message(msg, cell, cell_index)
        if need <= room:
            self._room[cell_index] = room - need
            return super().process_message(msg, cell, cell_index)
        out = None
        if kind == "stream" and room > 0:
            content["text"] = str(content.get("text", ""))[:room]
            out = super().process_message(msg, cell, cell_index)
        if room >= 0:  # the first time only
            cell.outputs.append(cut_note(self.max_output_bytes))
        self._room[cell_index] = -1
        return out

    def on_cell_executed(self, **kwargs: Any) -> None:
        """nbgrader adds the execute reply's error when the cell shows none: trimmed like the others."""
        super().on_cell_executed(**kwargs)
        for output in kwargs["cell"].outputs:
            if output.get("output_type") == "error":
                trim_error(output)


def cut_note(limit: int) -> NotebookNode:
    """The output that says a cell's output was cut (shown as text; nbgrader's scoring ignores it)."""
    return from_dict({"output_type": "display_data", "metadata": {CUT: limit},
                      "data": {"text/plain": f"[grader] output cut here: this cell showed more than {limit:,} characters"}})


def flags(cells: list[NotebookNode]) -> list[str]:
    """What the instructor should know about a graded notebook's output."""
    cut = any(CUT in o.get("metadata", {}) for c in cells for o in c.get("outputs", []))
    return ["output cut: a cell showed more than the grader keeps"] * cut
