"""Internals of pinned packages that the grader overrides or relies on, and the versions they were read in.

Each :class:`Override` names the private names (or copied defaults) one piece of the grader touches.
When an installed version differs from the one in :data:`CHECKED`, those names were never read in it:
a fast path is then switched off (one line on stderr says which and why; grades are the same, only
slower), and an override that grading's safety or verdicts need stops grading with a clear message
instead of running on unread internals. ``tests/test_pins.py`` fails when requirements.txt moves a pin
away from :data:`CHECKED`: re-read the names listed here in the new version, then update the table.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import metadata

CHECKED = {  # package: the version whose source every override below was read against
    "ipykernel": "7.4.0",
    "jsonschema": "4.26.0",
    "jupyter_client": "8.10.0",
    "nbclient": "0.11.0",
    "nbgrader": "0.9.6",
    "torch": "2.13.0",
}


@dataclass(frozen=True)
class Override:
    """What one piece of the grader (``where``) touches inside pinned ``packages``, and whether grading needs it.

    ``needed``: grading refuses to run on other versions (the override bounds what a kernel can do, or
    decides verdicts); otherwise it is a fast path, simply not applied on other versions.
    """

    what: str
    where: str
    packages: tuple[str, ...]
    names: tuple[str, ...]
    needed: bool


class PinMismatch(RuntimeError):
    """Grading refused: an override it needs was read in other versions of its packages than those installed."""


# Needed: without the override, frames of any size reach the grader (a flood fills its memory); and it
# fails silently, since a renamed `_context_default` would simply leave the sockets unbounded.
BOUNDED_CHANNEL = Override(
    "bounded kernel channels", "grading/sandbox/channel.py", ("jupyter_client",),
    ("jupyter_client.asynchronous.client.AsyncKernelClient._context_default",
     "jupyter_client.manager.AsyncKernelManager._context_default",
     "jupyter_client.manager.AsyncKernelManager._async_cleanup_resources"), needed=True)
# Needed: the output bound counts a display update once per output it replaces, from nbclient's map.
DISPLAY_IDS = Override(
    "output bound of display updates", "grading/pipeline/execute.py", ("nbclient",),
    ("nbclient.client.NotebookClient._display_id_map",), needed=True)
# Needed: a stale copy of nbgrader's default steps would silently change what autograding does.
PREPROCESSORS = Override(
    "the course's copies of nbgrader's default steps", "grading/course.py (CONFIG)", ("nbgrader",),
    ("nbgrader.converters.autograde.Autograde.autograde_preprocessors",
     "nbgrader.converters.generate_feedback.GenerateFeedback.preprocessors"), needed=True)
# Needed: verdicts are taken on modules the grader rebuilds from these fields of the kernel's modules.
MODULE_FIELDS = Override(
    "student modules probed and rebuilt", "grading/sandbox/probe.py, grading/pipeline/judge.py", ("torch",),
    ("torch.nn.Module._modules", "torch.nn.Module._parameters", "torch.nn.Module._buffers",
     "torch.nn.Module._non_persistent_buffers_set", "torch._C.TensorBase"), needed=True)
# Needed: without it a loaded grader loses a flood's last messages and the notebook ends as output_limit.
IOPUB_QUEUE = Override(
    "kernel output queued, not dropped", "grading/sandbox/kernel.py", ("ipykernel",),
    ("ipykernel.kernelapp.IPKernelApp.init_iopub",), needed=True)
# Needed: a submission's status is the exception these methods raise inside nbgrader's convert_notebooks
# (which logs it and raises a generic one), and nbclient raises CellTimeoutError only while waiting for
# output after a cell's reply when interrupt_on_timeout is on; both are behaviour, not public contract.
OUTCOMES = Override(
    "submission outcomes taken from typed exceptions", "grading/pipeline/workers.py, grading/pipeline/execute.py",
    ("nbgrader", "nbclient"),
    ("nbgrader.converters.autograde.Autograde.init_assignment",
     "nbgrader.converters.autograde.Autograde.convert_single_notebook",
     "nbgrader.converters.base.BaseConverter.convert_notebooks", "nbclient.exceptions.CellTimeoutError"),
    needed=True)
# Needed: every probe reply is sent with the kernel's display publisher's own session and socket (its publish takes
# no binary buffers); renamed, every call a check makes would fail and every student would lose the points.
PROBE_REPLIES = Override(
    "probe replies with binary buffers", "grading/sandbox/probe.py", ("ipykernel",),
    ("ipykernel.zmqshell.ZMQDisplayPublisher.session", "ipykernel.zmqshell.ZMQDisplayPublisher.pub_socket",
     "ipykernel.zmqshell.ZMQDisplayPublisher.parent_header", "ipykernel.zmqshell.ZMQDisplayPublisher.topic"),
    needed=True)
# Fast paths: without them grades are the same, only slower, so on other versions they are simply not applied.
SHARED_GRADEBOOK = Override(
    "one gradebook engine per process", "grading/pipeline/fastpath.py", ("nbgrader",),
    ("nbgrader.api.Gradebook.__init__", "nbgrader.converters.autograde.Gradebook",
     "nbgrader.preprocessors.saveautogrades.Gradebook", "nbgrader.preprocessors.overwritecells.Gradebook",
     "nbgrader.preprocessors.overwritekernelspec.Gradebook", "nbgrader.preprocessors.latesubmissions.Gradebook",
     "nbgrader.preprocessors.getgrades.Gradebook"), needed=False)
CHECKED_SCHEMAS = Override(
    "metadata schema checked once", "grading/pipeline/fastpath.py", ("nbgrader", "jsonschema"),
    ("nbgrader.nbgraderformat.common.jsonschema", "jsonschema.validate"), needed=False)
QUICK_KERNELS = Override(
    "quick kernel start and stop", "grading/pipeline/fastpath.py", ("jupyter_client",),
    ("jupyter_client.client.KernelClient._async_wait_for_ready",
     "jupyter_client.client.KernelClient._async_get_shell_msg",
     "jupyter_client.client.KernelClient._async_get_iopub_msg",
     "jupyter_client.client.KernelClient._async_is_alive",
     "jupyter_client.client.KernelClient._handle_kernel_info_reply",
     "jupyter_client.asynchronous.client.AsyncKernelClient._context_default",
     "jupyter_client.manager.AsyncKernelManager._context_default",
     "jupyter_client.manager.AsyncKernelManager._async_wait"), needed=False)
GRADEBOOK_VERSION = Override(
    "a new gradebook's revision read in-process", "grading/pipeline/fastpath.py", ("nbgrader",),
    ("nbgrader.api.get_alembic_version", "nbgrader.dbutil.ALEMBIC_DIR"), needed=False)

OVERRIDES = (BOUNDED_CHANNEL, DISPLAY_IDS, PREPROCESSORS, MODULE_FIELDS, IOPUB_QUEUE, OUTCOMES, PROBE_REPLIES,
             SHARED_GRADEBOOK, CHECKED_SCHEMAS, QUICK_KERNELS, GRADEBOOK_VERSION)
NEEDED = tuple(o for o in OVERRIDES if o.needed)
FAST_PATHS = tuple(o for o in OVERRIDES if not o.needed)

_told: set[Override] = set()  # fast paths already reported off in this process (forked workers inherit it)


@cache
def installed(package: str) -> str | None:
    """The installed release of ``package``, without a build's local label such as ``+cpu`` (None: not installed)."""
    try:
        return metadata.version(package).partition("+")[0]
    except metadata.PackageNotFoundError:
        return None


def mismatches(override: Override) -> list[str]:
    """Each of ``override``'s packages installed in another version than the one it was read in, said in words."""
    return [f"{package} {installed(package) or 'not installed'} is installed, its internals were read in "
            f"{CHECKED[package]}" for package in override.packages if installed(package) != CHECKED[package]]


def active(fast_path: Override) -> bool:
    """Whether a fast path may be applied here; when not, say so once on stderr, with why."""
    differ = mismatches(fast_path)
    if differ and fast_path not in _told:
        _told.add(fast_path)
        print(f"[grading] fast path off, grades unchanged but slower: {fast_path.what} ({fast_path.where}): "
              f"{'; '.join(differ)}", file=sys.stderr, flush=True)
    return not differ


def require(*overrides: Override) -> None:
    """Refuse to grade (:class:`PinMismatch`) when an override grading needs was read in other versions."""
    refused = [f"{o.what} ({o.where}): {'; '.join(differ)}" for o in overrides if (differ := mismatches(o))]
    if refused:
        raise PinMismatch("grading refused, it relies on internals never read in the installed versions: "
                          + " | ".join(refused) + ". Install requirements.txt, or re-read the names listed in "
                          "grading/pins.py in the new versions and update CHECKED there.")


def check() -> None:
    """Before grading starts: refuse if a needed override's versions differ, and say which fast paths are off."""
    require(*NEEDED)
    for fast_path in FAST_PATHS:
        active(fast_path)
