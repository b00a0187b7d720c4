"""Starting, using and stopping the fork server: a context manager that provides a kernelspec name."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "grading-warm"


class WarmKernels:
    """A running fork server and a kernelspec ``grading-warm`` that launches kernels through it.

    Use as a context manager, then :meth:`wait_ready` (other start-up work can overlap the
    server's preloading); processes started with :meth:`env` find the kernelspec through
    ``JUPYTER_PATH``. The server is stopped on exit, on Ctrl-C, and when this process dies
    (it watches its stdin).
    """

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="grading-warm-"))
        self.socket = self.dir / "server.sock"
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> "WarmKernels":
        spec_dir = self.dir / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {"argv": [sys.executable, str(Path(__file__).with_name("launch.py")), str(self.socket), "-f", "{connection_file}"],
                "display_name": "Python 3 (warm grading kernel)", "language": "python",
                "interrupt_mode": "signal", "metadata": {"debugger": False}}
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
        root = str(Path(__file__).resolve().parents[2])
        # One BLAS thread: the server then has no thread at all when it forks.
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        self.process = subprocess.Popen([sys.executable, "-m", "grading.warm.server", str(self.socket)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                        cwd=self.dir)
        return self

    def wait_ready(self) -> None:
        """Block until the server has imported everything and listens (it preloads for a few seconds)."""
        ready = self.process.stdout.readline().strip() if self.process and self.process.stdout else ""
        if ready != "ready":
            self.__exit__()
            raise RuntimeError("the warm kernel server did not start")

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment in which jupyter_client finds the ``grading-warm`` kernelspec."""
        env = dict(os.environ if base is None else base)
        env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(self.dir), env.get("JUPYTER_PATH")) if p)
        return env

    def alive(self) -> bool:
        """Whether the server is still running (a dead one makes every launch fall back)."""
        return self.process is not None and self.process.poll() is None

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            if self.process.stdin:
                self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stdout:
                self.process.stdout.close()
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)
