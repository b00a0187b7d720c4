"""The tiny protocol between a kernel launcher and the fork server: one JSON line each way, plus fds."""
from __future__ import annotations

import json
import socket
from typing import Any


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
