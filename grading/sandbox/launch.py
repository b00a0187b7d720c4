"""The command of the warm kernelspec: asks the fork server for a kernel and stands in for it.

To jupyter_client this process *is* the kernel: signals it receives (interrupt, terminate)
are forwarded to the forked kernel, and it exits with the kernel's exit code. If it is
killed outright, the kernel notices its lifeline pipe closing and exits too. Without a
reachable server it falls back to an ordinary kernel (:mod:`grading.sandbox.kernel`) and says so on stderr,
unless the grading process that started it is gone.
Usage: ``python path/to/grading/warm/launch.py SOCKET -f CONNECTION_FILE`` (run by path, so it
works from any working directory).
"""
from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import ROOT  # noqa: E402
from grading.sandbox.kernelspecs import LAUNCHED_BY  # noqa: E402
from grading.sandbox.protocol import receive, send  # noqa: E402


def fallback(argv: list[str], reason: str) -> None:
    """Replace this process with an ordinary (fresh, but equally limited and sandboxed) grading kernel; unless the
    grading process that started this launcher (:data:`LAUNCHED_BY`) is gone: killed while it launched this kernel,
    its fork server went down with it, and a kernel started now would never be used nor ended."""
    grader = os.environ.get(LAUNCHED_BY)
    if grader is not None and str(os.getppid()) != grader:
        print(f"[grading] the grading process {grader} that asked for this kernel is gone; none started",
              file=sys.stderr)
        sys.exit(1)
    print(f"[grading] warm kernel server unavailable ({reason}); starting an ordinary kernel", file=sys.stderr)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    os.execve(sys.executable, [sys.executable, "-m", "grading.sandbox.kernel", *argv], env)


def main(socket_path: str, argv: list[str]) -> int:
    """Request a kernel, forward signals to it until it exits, return its exit code."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(socket_path)
    except OSError as exc:
        fallback(argv, type(exc).__name__)
    lifeline_r, lifeline_w = os.pipe()
    send(conn, {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}, [0, 1, 2, lifeline_r])
    os.close(lifeline_r)
    reply, _ = receive(conn)
    if reply is None:
        fallback(argv, "no reply")

    def forward(signum: int, _frame: object) -> None:
        # The server delivers it: it knows whether the kernel is still its unreaped child, so a
        # signal can never reach a process that reused the pid of a kernel that already exited.
        try:
            send(conn, {"signal": signum})
        except OSError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, forward)
    while True:
        try:
            done, _ = receive(conn)
            break
        except InterruptedError:
            continue
    code = done["exit"] if done else 1
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
