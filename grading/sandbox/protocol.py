"""What the grader tells a kernel: the environment variables that carry its limits, and the tiny protocol
between a kernel launcher and the fork server (one JSON line each way, plus fds).

The limits' defaults and meaning are :class:`grading.settings.Settings`'s, which writes these
variables and reads them back in the kernel; 0 means no limit.
"""
from __future__ import annotations

import json
import socket
from typing import Any

ENV_MEMORY = "GRADING_KERNEL_MEMORY_MB"           # address space of each kernel, in MiB
ENV_CPU = "GRADING_KERNEL_CPU_SECONDS"            # CPU time of each kernel, in seconds
ENV_PROCESSES = "GRADING_KERNEL_PROCESSES"        # processes and threads of each kernel's user (as root)
ENV_FILE_MB = "GRADING_KERNEL_FILE_MB"            # largest file a kernel may write, in MiB
ENV_SCRATCH = "GRADING_KERNEL_SCRATCH_MB"         # size of the kernel's scratch tmpfs, in MiB
ENV_SCRATCH_FILES = "GRADING_KERNEL_SCRATCH_FILES"  # files and folders the scratch may hold


def send(conn: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    """Send one JSON message, optionally with file descriptors attached."""
    data = json.dumps(message).encode() + b"\n"
    if fds:
        socket.send_fds(conn, [data], fds)
    else:
        conn.sendall(data)


def receive(conn: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    """Read one JSON line (and any file descriptors sent with it); None when the peer closed."""
    chunks: list[bytes] = []
    fds: list[int] = []
    while True:
        if max_fds and not fds:
            data, fds, _, _ = socket.recv_fds(conn, 65536, max_fds)
        else:
            data = conn.recv(65536)
        if not data:
            return None, fds
        chunks.append(data)
        if data.endswith(b"\n"):
            return json.loads(b"".join(chunks)), fds
