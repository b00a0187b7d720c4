"""nbgrader's Execute step for grading: output bounded, test cells judged in the grader, the run's end as data.

Bounds on what a grading kernel can send back, so one student's output cannot fill the grader.
Everything a kernel shows arrives at the process that runs nbgrader and is kept in the
autograded notebook, its feedback and that process's memory. The kernel runs the student's
code, so the bounds are applied where the output arrives, by nbgrader's own Execute step:

- the client's ZMQ sockets refuse, unread, any message frame over
  :data:`grading.sandbox.channel.MAX_MESSAGE_BYTES` (the cell's output then stops arriving and the notebook
  ends with status ``output_limit``);
  no stdin channel is opened, since grading never answers ``input()``;
- each cell keeps at most ``max_cell_chars`` characters of output, and the whole notebook
  ``max_notebook_chars`` (counted as in JSON; a display update is counted once for every
  output it replaces, widget state is not stored). Past that, stream text is cut and other
  outputs are dropped, with one note saying so (a display, which nbgrader's scoring ignores).

What decides a cell's score is kept past the cut, trimmed: errors and writes to stderr, up to
:data:`KEPT_PER_CELL` of them per cell (nbgrader adds a dropped error back from the cell's
reply). So a chatty but correct student keeps every point, and a failing cell its failure.
Test cells themselves are not run in the kernel at all: :meth:`BoundedExecute.judge_cell` runs
their checks in the grader (:mod:`grading.pipeline.judge`), their outputs are the check's.

How a notebook's run ended is decided here, where the exceptions are seen, and passed on as data:
a kernel that dies (nbclient's ``DeadKernelError``, the judge's ``KernelDied``) or does not start,
and output that stops arriving after a cell's reply (nbclient's ``CellTimeoutError`` from the IOPub
wait, raised only for that since a cell past its time limit is interrupted instead), leave the step
as :class:`DeadKernel` or :class:`CellTimeout`: still nbclient's exception types, and a
:class:`grading.status.Ended` carrying the :class:`grading.status.Outcome`. nbgrader logs it and
goes on to the next submission; the grading worker reads the outcome off the exception
(:mod:`grading.pipeline.workers`). A cell past its time limit ends with an error output named
``CellTimeoutError`` (nbgrader's ``error_on_timeout``), which the worker reads in the notebook.
"""
from __future__ import annotations

import importlib
import time
import traceback
from queue import Empty
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from .. import i18n, pins
from ..sandbox.channel import BoundedKernelManager
from ..status import Ended, Status

CUT = "output_cut"  # metadata key of the note a cut cell shows
GROWING = {"stream", "display_data", "execute_result", "update_display_data"}  # and every comm_* message
CHECKS = "grading_checks"  # output metadata of a judged test cell: the checks that ran to the end
KEPT_PER_CELL = 100    # errors and stderr writes kept past the cut in one cell
ERROR_CHARS = 10_000   # of an error's name and message, and of its traceback's first and last lines


class DeadKernel(Ended, DeadKernelError):
    """nbclient's DeadKernelError, saying what it means for the submission (status kernel_died)."""


class CellTimeout(Ended, CellTimeoutError):
    """nbclient's CellTimeoutError, saying what it means for the submission (output_limit, or timeout)."""


def size(value: Any) -> int:
    """About the length of ``value`` as JSON: strings and keys with their quotes, 2 per container, 1 per item."""
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, dict):
        return 2 + sum(len(k) + 4 + size(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return 2 + sum(1 + size(v) for v in value)
    return 8


def shorten(text: Any, limit: int = ERROR_CHARS) -> str:
    """``text`` as a string of at most about ``limit`` characters, keeping its beginning and end."""
    text = str(text)
    return text if len(text) <= limit else text[:limit // 2] + " ... " + text[-(limit // 2):]


def trim_error(error: dict) -> None:
    """Shorten an error's name, message and traceback in place, keeping their beginnings and ends."""
    error["ename"], error["evalue"] = shorten(error.get("ename", "")), shorten(error.get("evalue", ""))
    lines = [shorten(line) for line in error.get("traceback") or []]
    if size(lines) <= 2 * ERROR_CHARS:
        error["traceback"] = lines
        return
    first = last = 0
    room = ERROR_CHARS
    while first < len(lines) and room > 0:
        room -= size(lines[first])
        first += 1
    room = ERROR_CHARS
    while last < len(lines) - first and room > 0:
        room -= size(lines[-1 - last])
        last += 1
    cut = ["... traceback cut by the grader ..."] if first + last < len(lines) else []
    error["traceback"] = lines[:first] + cut + (lines[len(lines) - last:] if last else [])


class BoundedExecute(Execute):
    """nbgrader's Execute step, keeping at most ``max_cell_chars`` of each cell's output and
    ``max_notebook_chars`` of the notebook's."""

    max_cell_chars = Integer(1_000_000, help="characters of output one cell may keep").tag(config=True)
    max_notebook_chars = Integer(10_000_000, help="characters of output one notebook may keep").tag(config=True)
    store_widget_state = Bool(False, help="widget state is not stored: grading shows no widgets").tag(config=True)
    # seconds to wait, after a cell's reply, for the rest of its output: a refused message never comes,
    # so this ends such a notebook (status output_limit); long enough that a loaded machine is not mistaken for one
    iopub_timeout = Integer(10, help=Execute.iopub_timeout.help).tag(config=True)
    manager_class: type[AsyncKernelManager] = BoundedKernelManager  # grading.pipeline.fastpath swaps in a quicker one
    judge_tests = Bool(True, help="run autograder test cells' checks in the grader (grading/judge.py), reaching "
                                  "the student's functions in the kernel, instead of running them in the kernel"
                       ).tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # cost() reads nbclient's _display_id_map; every grader (ours and stock nbgrader) builds this step
        pins.require(*pins.NEEDED)
        kwargs.setdefault("kernel_manager_class", self.manager_class)
        super().__init__(*args, **kwargs)
        self._room: dict[int, int] = {}
        self._kept: dict[int, int] = {}
        self._notebook_room = self.max_notebook_chars
        self._language = "en"

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        """Run the notebook; a kernel that died, or output that stopped arriving, ends it with its outcome."""
        self._notebook_room = self.max_notebook_chars
        self._language = i18n.language_of(nb)  # the submission's: its test cells' messages are written in it
        try:
            return super().preprocess(nb, resources, km)
        except Ended:
            raise
        except DeadKernelError as exc:
            raise DeadKernel(Status.KERNEL_DIED) from exc
        except CellTimeoutError as exc:
            # interrupt_on_timeout: a cell past its limit is interrupted, so this is the wait for output after a reply
            raise CellTimeout(Status.OUTPUT_LIMIT if self.interrupt_on_timeout else Status.TIMEOUT) from exc

    def start_new_kernel_client(self) -> Any:
        """nbclient's start of the kernel's client; a kernel that never became ready ends the notebook, dead."""
        try:
            return super().start_new_kernel_client()
        except RuntimeError as exc:  # jupyter_client's "Kernel died before replying", "Kernel didn't respond"
            raise DeadKernel(Status.KERNEL_DIED, f"the kernel did not start: {exc}") from exc

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        self.start_cell(index)
        if self.judge_tests and cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            return self.judge_cell(cell), resources
        return super().preprocess_cell(cell, resources, index)

    def judge_cell(self, cell: NotebookNode) -> NotebookNode:
        """Run a test cell's checks here (:mod:`grading.pipeline.judge`), calling the student's functions in the
        kernel."""
        from . import judge  # imports torch: only where test cells are judged; puts the checks on sys.path
        language = importlib.import_module("course_checks.language")  # after judge: a fresh dask worker needs it
        localise, speaking = language.localise, language.speaking
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        try:
            with speaking(self._language):
                error, ran = judge.judge(cell.source, run_sync(self.ask), float(self.timeout or 30))
        except judge.KernelTimeout:
            cell.outputs = [from_dict({"output_type": "error", **self.error_on_timeout})]
            return cell
        except judge.KernelDied:
            raise DeadKernel(Status.KERNEL_DIED) from None
        if error is None:
            subject = grade_id.removeprefix("test_").removesuffix("_hidden")
            text = f"✔ {subject}: {'hidden' if grade_id.endswith('_hidden') else 'visible'} tests passed"
            with speaking(self._language):
                text = localise(text)
            cell.outputs = [from_dict({"output_type": "display_data", "data": {"text/plain": text},
                                       "metadata": {CHECKS: ran}})]
        else:
            render = getattr(error, "_render_traceback_", None)
            lines = render() if callable(render) else traceback.format_exception_only(type(error), error)
            output = {"output_type": "error", "ename": type(error).__name__, "evalue": str(error), "traceback": lines}
            trim_error(output)
            cell.outputs = [from_dict(output)]
        return cell

    async def ask(self, request: bytes, timeout: float) -> dict:
        """Hand the kernel's probe a request; return its data, with the message's binary buffers as ``buffers`` (or
        raise when it ran out of time or sent none)."""
        from ..sandbox.probe import CALL, MIME
        from . import judge
        # silent: the kernel broadcasts no execute_input and counts no execution for a probe call (one message fewer
        # for both to handle; the notebook's own hooks on running a cell do not run for it either)
        message = self.kc.session.msg("execute_request", {
            "code": CALL, "silent": True, "store_history": False, "user_expressions": {}, "allow_stdin": False,
            "stop_on_error": False})
        message["buffers"] = [request]
        self.kc.shell_channel.send(message)
        msg_id = message["header"]["msg_id"]
        deadline, found, failed = time.monotonic() + timeout, None, None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                await self.km.interrupt_kernel()
                await self.drain(msg_id, 10)
                raise judge.KernelTimeout()
            try:
                msg = await self.kc.get_iopub_msg(timeout=min(left, 1.0))
            except Empty:
                if not await self.km.is_alive():
                    raise judge.KernelDied() from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "display_data" and MIME in content.get("data", {}):
                found = content["data"][MIME]
                if isinstance(found, dict):  # the tensors' bytes: the message's buffers, never the kernel's JSON
                    found["buffers"] = list(msg.get("buffers") or [])
            elif kind == "error":
                failed = content
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        if found is None:
            answer = failed["ename"] if failed else "nothing"
            raise judge.KernelNoReply(f"the kernel answered the grader with {answer}: "
                                      "it did not run the student's function for the check")
        return found

    async def drain(self, msg_id: str, seconds: float) -> None:
        """Wait (a while) for the kernel to finish an interrupted request."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = await self.kc.get_iopub_msg(timeout=max(0.05, deadline - time.monotonic()))
            except Empty:
                return
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"):
                return

    def start_cell(self, index: int) -> None:
        """A cell is about to run: its own room, within what the notebook has left."""
        self._room[index], self._kept[index] = max(0, min(self.max_cell_chars, self._notebook_room)), 0

    def cost(self, msg: dict) -> int:
        """What a message adds to the notebook: a display with an id is copied into every output showing it."""
        content = msg["content"]
        need = size(content)
        display_id = (content.get("transient") or {}).get("display_id")
        if display_id and msg["msg_type"] in {"display_data", "execute_result", "update_display_data"}:
            need *= 1 + sum(len(shown) for shown in self._display_id_map.get(display_id, {}).values())
        return need

    def process_message(self, msg: dict, cell: NotebookNode, cell_index: int) -> NotebookNode | None:
        kind, content = msg["msg_type"], msg["content"]
        if kind != "error" and kind not in GROWING and not kind.startswith("comm"):
            return super().process_message(msg, cell, cell_index)
        room, need = self._room.get(cell_index, 0), self.cost(msg)
        stderr = kind == "stream" and content.get("name") == "stderr"
        if kind == "error" or (stderr and need > room):
            # kept whatever the cell showed before: each of them can decide the cell's score
            if self._kept.get(cell_index, 0) >= KEPT_PER_CELL:
                return None
            self._kept[cell_index] = self._kept.get(cell_index, 0) + 1
            if kind == "error":
                trim_error(content)
            elif stderr:
                content["text"] = shorten(content.get("text", ""))
            return super().process_message(msg, cell, cell_index)
        if need <= room:
            self._room[cell_index] = room - need
            self._notebook_room -= need
            return super().process_message(msg, cell, cell_index)
        out = None
        if kind == "stream" and room > 0:
            content["text"] = str(content.get("text", ""))[:room]
            self._notebook_room -= room
            out = super().process_message(msg, cell, cell_index)
        if room >= 0:  # the first time only
            cell.outputs.append(cut_note(self.max_cell_chars))
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
                      "data": {"text/plain": f"[grader] output cut here: this cell showed more than {limit:,} "
                                             "characters, or the notebook more than the grader keeps"}})


def flags(cells: list[NotebookNode]) -> list[str]:
    """What the instructor should know about a graded notebook's output."""
    cut = any(CUT in o.get("metadata", {}) for c in cells for o in c.get("outputs", []))
    return ["output cut: a cell showed more than the grader keeps"] * cut
