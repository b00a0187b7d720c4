"""Start one grading kernel: the sandbox, its own PID namespace, resource limits, then an ordinary ipykernel.

The limits are :class:`grading.settings.Settings`'s, read from the kernel's environment.

Used by the fork server's children (warm kernels) and, as ``python -m grading.sandbox.kernel -f
CONNECTION_FILE``, as the command of the ``grading-fresh`` kernelspec, so both kinds of
kernel are limited and confined the same way. Confined, the process started becomes the
relay of :mod:`grading.sandbox.warden` and the ipykernel runs two forks below it.
"""
from __future__ import annotations

import logging
import os
import resource
import sys
import tempfile
import threading
from typing import TYPE_CHECKING

from ..settings import Settings
from . import confine, warden

if TYPE_CHECKING:
    from ipykernel.kernelapp import IPKernelApp

UNCONFINABLE = 70  # exit status of a kernel that must be confined and cannot be (EX_SOFTWARE)
ORPHANED = 137     # exit status of an unconfined kernel whose launcher is gone (as if SIGKILLed)


def limit(kind: int, value: int, scale: int, extra: int = 0) -> None:
    """Apply a resource limit of ``value`` units of ``scale`` plus ``extra`` (0: none)."""
    if value > 0:
        resource.setrlimit(kind, (value * scale + extra, value * scale + extra))


def mapped_bytes() -> int:
    """Virtual memory this process already maps (e.g. preloaded modules), to add to a memory limit."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def connection_file(argv: list[str]) -> str:
    """The ``-f`` argument jupyter_client gives every kernel."""
    for flag, value in zip(argv, argv[1:]):
        if flag in ("-f", "--f"):
            return value
    return next((a.split("=", 1)[1] for a in argv if a.startswith(("-f=", "--f="))), "")


def exit_with(lifeline: int) -> None:
    """Exit as soon as the other end of the lifeline pipe is gone (the launcher, even if SIGKILLed)."""
    def watch() -> None:
        while os.read(lifeline, 1):
            pass
        os._exit(ORPHANED)

    threading.Thread(target=watch, daemon=True).start()


def kernel_app() -> type[IPKernelApp]:
    """ipykernel's app, whose output socket queues what a slow grader has not read yet instead of dropping it.

    ZMQ drops a PUB socket's messages past its high-water mark (1,000) when the reader falls behind, as a
    loaded grader does under a flood of prints; the cell's last messages (its "idle") are then lost and the
    notebook ends as if its output had been refused. Unbounded here, the queue lives in the kernel, whose
    memory is limited anyway.
    """
    import zmq
    from ipykernel.kernelapp import IPKernelApp

    class GradingKernelApp(IPKernelApp):
        def init_iopub(self, context: zmq.Context) -> None:
            context.setsockopt(zmq.SNDHWM, 0)  # sockets made from here on (the output socket) queue without limit
            super().init_iopub(context)

    return GradingKernelApp


def run(argv: list[str], lifeline: int | None = None) -> None:
    """Confine and limit this process (cwd = the working copy, env = the kernel's), then serve as a kernel.

    ``lifeline`` is given by the fork server: a pipe from the launcher, closed when the launcher is gone.
    """
    env, workdir = dict(os.environ), os.getcwd()
    limits, uid = Settings.from_env(env), confine.kernel_uid()
    confined = False
    if env.get(confine.ENV_HIDE):
        report = warden.open_report(env)  # before the sandbox hides where it is
        sandbox = confine.confine(workdir, env, connection_file(argv), uid)
        confined = sandbox.confined
        if not confined:
            print(f"[grading] kernel not sandboxed: {sandbox}", file=sys.stderr, flush=True)
            if report is not None:
                os.close(report)
            if env.get(confine.ENV_REQUIRED) == "1":  # this machine can confine kernels: never run one loose
                os._exit(UNCONFINABLE)
        else:
            warden.supervise(lifeline, report)  # returns in the kernel, two forks below
            lifeline = None
            # the machine's home folders are out of sight: a home of its own in the scratch, where IPython's
            # profile, matplotlib's and fontconfig's caches go (instead of a warning on stderr, which costs points)
            os.environ["HOME"] = tempfile.mkdtemp(prefix="home-")
            os.environ["IPYTHONDIR"] = os.path.join(os.environ["HOME"], ".ipython")
            if uid is not None:
                os.chown(os.environ["HOME"], uid, uid)
    if lifeline is not None:
        exit_with(lifeline)  # unconfined: a thread of the kernel watches the launcher
    limit(resource.RLIMIT_AS, limits.memory_mb, 2**20, mapped_bytes())
    limit(resource.RLIMIT_CPU, limits.cpu_seconds, 1)
    limit(resource.RLIMIT_FSIZE, limits.file_mb, 2**20)  # a disk-filling loop dies instead
    sys.argv = [sys.executable, *argv]
    # parent_handle 1: no poller of a parent pid (the lifeline and the warden end the kernel), and no
    # "Ctrl-C will not work" note printed to the grader's terminal
    app = kernel_app().instance(parent_handle=1)
    app.initialize([*argv, "--HistoryManager.enabled=False", "--log-level=ERROR"])
    # traitlets leaves the app's logger at DEBUG (only its handler is at ERROR): every message the kernel handles
    # would build a few log records nobody reads, about 4 % of a grading kernel's CPU
    app.log.setLevel(logging.ERROR)
    if confined:
        confine.drop_privileges(uid, limits.processes)  # after the connection file is read and the sockets bound
    app.start()


if __name__ == "__main__":
    run(sys.argv[1:])
