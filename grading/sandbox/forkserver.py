"""The fork server: a pristine process that has imported the heavy modules and forks one kernel per request.

It never runs a torch operation itself, so no thread pool exists when it forks, and it is
single-threaded (a selector loop), so a fork never copies a lock held by another thread.
Each child becomes an ordinary ipykernel with the launcher's stdio, working directory,
environment and resource limits; state changed in one child is never seen by another.
Run as ``python -m grading.sandbox.forkserver SOCKET [MODULE ...]``; it exits when its stdin closes.
"""
from __future__ import annotations

import gc
import importlib
import os
import selectors
import signal
import socket
import sys
from collections.abc import Iterable, Sequence
from typing import cast

from . import confine, kernel
from .protocol import receive, send

# What a student's code imports (torch and matplotlib for a plot) and what a kernel imports at start. Not the checks'
# scipy.stats (0.8 CPU-s): test cells are judged in the grader, not in the kernel.
PRELOAD = ("ipykernel.ipkernel", "ipykernel.kernelapp", "matplotlib", "matplotlib_inline.backend_inline",
           "numpy", "torch", "torch.nn", "torch.optim",
           # what IPKernelApp.initialize imports (0.06-0.15 s of every kernel's start); none starts a thread
           "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib", "IPython.extensions.storemagic",
           "tornado.platform.asyncio", "tornado.queues", "encodings.idna")


# An optimizer imports torch._dynamo when it is first used (1.2 CPU-s): preloaded only for assignments that use one.
OPTIMIZERS = ("torch._dynamo",)


def wanted(sources: Iterable[str]) -> list[str]:
    """What to preload besides PRELOAD for assignments with these source notebooks (their text): torch._dynamo where
    one mentions torch.optim. A student's code that builds an optimizer elsewhere still works; its kernel imports
    dynamo itself. Submissions are not read: a student cannot change what the fork server imports."""
    return list(OPTIMIZERS) if any("torch.optim" in text for text in sources) else []


def preload(extra: Sequence[str] = ()) -> None:
    """Import what every grading kernel needs, and ``extra``, without creating threads or running torch ops."""
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # debugpy's import would warn about frozen modules
    for name in (*PRELOAD, *extra):
        importlib.import_module(name)
    confine.preload(dict(os.environ))  # the course's checks, which the sandbox later hides


def base_sys_path() -> list[str]:
    """sys.path without the entries that came from this process's own cwd or PYTHONPATH."""
    own = {os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    own.add(os.path.abspath(os.getcwd()))
    return [p for p in sys.path[1:] if os.path.abspath(p) not in own]


def become_kernel(request: dict, fds: list[int], path: list[str]) -> None:
    """In the forked child: take the launcher's stdio, cwd, env and limits, then run ipykernel."""
    os.setsid()
    for target, fd in zip((0, 1, 2), fds[:3]):
        os.dup2(fd, target)
    lifeline = fds[3]
    for fd in fds[:3]:
        os.close(fd)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.set_wakeup_fd(-1)

    env = request.pop("env")
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(env)
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [request["cwd"], *extra, *path]
    kernel.run(request["argv"], lifeline=lifeline)


def serve(socket_path: str, extra: Sequence[str] = ()) -> None:
    """Preload (with ``extra``), then accept launch requests until stdin closes; fork a kernel for each and report
    its exit."""
    preload(extra)
    # Every kernel inherits this process's objects: frozen, its garbage collector never walks them, so it does not
    # write to (and copy) the pages that hold them (measured: 0.2-0.3 CPU-s less per notebook).
    gc.freeze()
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        print(f"[grading] warning: the fork server has {threads} threads; forking may be unsafe", file=sys.stderr)
    path = base_sys_path()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(wake_r, selectors.EVENT_READ, "signal")
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
    children: dict[int, socket.socket] = {}
    print("ready", flush=True)
    try:
        while True:
            for key, _ in selector.select():
                if key.data == "stdin" and not os.read(sys.stdin.fileno(), 4096):
                    return
                if key.data == "signal":
                    os.read(wake_r, 4096)
                    reap(children, selector)
                if isinstance(key.data, int):  # a launcher forwards a signal for its kernel
                    pid = key.data
                    message, _ = receive(cast(socket.socket, key.fileobj))
                    if message is None:
                        selector.unregister(key.fileobj)
                    elif pid in children:  # not yet reaped, so the pid cannot belong to anyone else
                        os.kill(pid, int(message["signal"]))
                if key.data == "accept":
                    conn, _ = listener.accept()
                    request, fds = receive(conn, max_fds=4)
                    if request is None or len(fds) != 4:
                        for fd in fds:
                            os.close(fd)
                        conn.close()
                        continue
                    pid = os.fork()
                    if pid == 0:
                        try:
                            selector.close()
                            listener.close()
                            conn.close()
                            for other in children.values():
                                other.close()
                            become_kernel(request, fds, path)
                        finally:
                            os._exit(1)
                    for fd in fds:
                        os.close(fd)
                    children[pid] = conn
                    send(conn, {"pid": pid})
                    selector.register(conn, selectors.EVENT_READ, pid)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap(children, selector)
        listener.close()


def reap(children: dict[int, socket.socket], selector: selectors.BaseSelector) -> None:
    """Collect exited kernels and tell each one's launcher its exit code."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            try:
                selector.unregister(conn)
            except (KeyError, ValueError):
                pass
            try:
                send(conn, {"exit": os.waitstatus_to_exitcode(status)})
            except OSError:
                pass
            conn.close()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
