"""The process side of a confined kernel: its own PID namespace, whose init ends everything the kernel started.

:func:`supervise` is called by the process that confined itself (:mod:`grading.sandbox.confine`, which
unshared a PID namespace for its children). Three processes result:

- the *relay* (the caller: what jupyter_client or the fork server started and signals) forwards
  signals to the init and exits with the kernel's exit code;
- the *init*, pid 1 of the new namespace, root and never running student code, forwards signals
  to the kernel, reaps orphans, and when the kernel ends kills whatever it left running (a
  double-forked ``setsid`` daemon included: nothing escapes a PID namespace), then looks at what
  the kernel left in its working copy and writes a report for the grader;
- the *kernel* (the call returns there), which goes on to become an ipykernel.

The report is one JSON line appended to the file named by ``GRADING_KERNEL_REPORT``, opened by
the relay before the sandbox hides it (:func:`open_report`); the grading worker turns it into
flags (:func:`flags`). Every wait for a child is done with the forwarded signals blocked and
taken with ``sigwaitinfo``, so a signal is only ever sent to a child that has not been reaped
(its pid cannot belong to anyone else).
"""
from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import signal
import stat
import sys
import threading
from pathlib import Path

from ..settings import Settings
from . import confine

ENV_REPORT = "GRADING_KERNEL_REPORT"  # file the init appends its report to (absent: no report)
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
WAITED = {*FORWARDED, signal.SIGCHLD}
PR_SET_PDEATHSIG = 1
LOW_SPACE = 2**20  # bytes free below which the scratch counts as filled


def open_report(env: dict[str, str]) -> int | None:
    """Open the report file named in the environment (before it is hidden); None when there is none."""
    path = env.get(ENV_REPORT)
    if not path:
        return None
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def _die_with_parent() -> None:
    """Be killed when the parent process ends (the relay, even if SIGKILLed)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def _wait_forwarding(child: int) -> int:
    """Forward signals to ``child`` until it exits; reap orphans meanwhile; return its wait status."""
    while True:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return 0
            if pid == child:
                return status
            if pid == 0:
                break
        info = signal.sigwaitinfo(WAITED)
        if info.si_signo != signal.SIGCHLD:
            os.kill(child, info.si_signo)  # not yet reaped: the pid is still the child's


def supervise(lifeline: int | None, report: int | None) -> None:
    """Fork the init of the caller's new PID namespace, and the kernel under it; return in the kernel only.

    ``lifeline`` is a pipe whose other end the launcher holds (warm kernels): when it closes, every
    process of the namespace is killed. ``report`` is from :func:`open_report`.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, WAITED)
    init = os.fork()
    if init:  # the relay
        for fd in (lifeline, report):
            if fd is not None:
                os.close(fd)
        os._exit(_exit_code(_wait_forwarding(init)))
    _die_with_parent()
    os.setsid()  # out of the relay's process group: a signal sent to that group reaches the relay alone
    try:
        confine.mount_proc()
        own_proc = True
    except OSError:  # a user namespace may not mount one where /proc is partly covered (some containers)
        own_proc = False
    kernel = os.fork()
    if kernel == 0:
        for fd in (lifeline, report):
            if fd is not None:
                os.close(fd)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, WAITED)
        return
    if lifeline is not None:
        threading.Thread(target=_kill_all_when_closed, args=(lifeline,), daemon=True).start()
    status = _wait_forwarding(kernel)
    left = end_everything(own_proc)
    if report is not None:
        os.write(report, (json.dumps(inspect(os.getcwd(), left)) + "\n").encode())
    os._exit(_exit_code(status))


def _kill_all_when_closed(lifeline: int) -> None:
    """In the init: when the launcher is gone, kill every process of the namespace (the kernel first)."""
    while os.read(lifeline, 1):
        pass
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass


def end_everything(counted: bool) -> int:
    """In the init, once the kernel has exited: kill and reap every process left; return how many there
    were (counted in this namespace's own /proc when ``counted``, else at least 1 if any)."""
    left = sum(name.isdigit() and name != "1" for name in os.listdir("/proc")) if counted else 0
    try:
        os.kill(-1, signal.SIGKILL)  # every process of this namespace but the init itself
        left = max(left, 1)
    except ProcessLookupError:
        left = 0
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return left


def inspect(workdir: str, left: int) -> dict[str, object]:
    """What the kernel left behind, for the grader: processes still running, links made in its working
    copy (harmless there, but an attempt on the trusted side), whether it filled its scratch."""
    links = []
    for folder, dirs, files in os.walk(workdir):
        for name in dirs + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode) or (stat.S_ISREG(info.st_mode) and info.st_nlink > 1):
                links.append(os.path.relpath(path, workdir))
    space = os.statvfs(workdir)
    full = space.f_bavail * space.f_frsize < LOW_SPACE or space.f_favail < 16
    return {"left_running": left, "links": sorted(links), "scratch_full": full}


def flags(report: Path) -> list[str]:
    """The instructor's flags from a report file (empty when the kernel wrote none)."""
    found: list[str] = []
    try:
        lines = report.read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        try:
            seen = json.loads(line)
        except ValueError:
            continue
        if seen.get("left_running"):
            found.append(f"left {seen['left_running']} process(es) running after its kernel ended (killed)")
        if seen.get("links"):
            shown = ", ".join(seen["links"][:3]) + (" ..." if len(seen["links"]) > 3 else "")
            found.append(f"made links in its working copy ({shown}): not followed, discarded")
        if seen.get("scratch_full"):
            found.append("filled its scratch space (/tmp, /dev/shm and working copy)")
    return found


if __name__ == "__main__":  # the sandbox probe's child: confine itself to the folder given, report how as JSON
    uid = confine.kernel_uid()
    sandbox = confine.confine(sys.argv[1], {}, "", uid)
    if sandbox.confined:
        supervise(None, None)
        confine.drop_privileges(uid, Settings().processes)
    print(json.dumps(dataclasses.asdict(sandbox)), flush=True)
