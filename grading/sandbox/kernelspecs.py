"""The kernelspecs grading runs with: ``grading-fresh`` (a new interpreter per notebook) and
``grading-warm`` (forked from a fork server that has already imported torch).

Both are context managers that write their kernelspec to a temporary folder; processes
started with :meth:`FreshKernels.env` find it through ``JUPYTER_PATH``. Either kind of kernel
is limited and sandboxed by :mod:`grading.sandbox.kernel` from the environment it is started with.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .. import ROOT

KERNEL_NAME = "grading-warm"
FRESH_NAME = "grading-fresh"
# One thread per grading kernel: `--jobs N` then uses N cores, and parallel kernels never oversubscribe the
# machine (torch's OpenMP threads spin-wait when they must share a core, wasting CPU). The fork server
# needs it too: with one thread it has no thread pool at all when it forks.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
# Set by a grading worker to its pid: a warm kernel's launcher whose server is gone starts an ordinary kernel only
# while that worker is still its parent (grading/sandbox/launch.py).
LAUNCHED_BY = "GRADING_LAUNCHED_BY"


def launching_here() -> None:
    """Mark this process as the one whose kernels' launchers it starts (:data:`LAUNCHED_BY`)."""
    os.environ[LAUNCHED_BY] = str(os.getpid())


class FreshKernels:
    """A kernelspec ``grading-fresh``: ``python -m grading.sandbox.kernel``, one new interpreter per notebook."""

    name = FRESH_NAME

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="grading-kernels-"))
        self.base = dict(os.environ if env is None else env)

    def argv(self) -> list[str]:
        """The kernel command; ``{connection_file}`` is filled in by jupyter_client."""
        return [sys.executable, "-m", "grading.sandbox.kernel", "-f", "{connection_file}"]

    def __enter__(self) -> FreshKernels:
        spec_dir = self.dir / "kernels" / self.name
        spec_dir.mkdir(parents=True)
        spec = {"argv": self.argv(), "display_name": f"Python 3 ({self.name})", "language": "python",
                "interrupt_mode": "signal", "metadata": {"debugger": False}}
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
        return self

    def wait_ready(self) -> None:
        """Nothing to wait for: each kernel starts on its own."""

    def env(self) -> dict[str, str]:
        """The base environment, one thread per kernel, and where to find the kernelspec and ``grading``."""
        env = dict(self.base, **ONE_THREAD)
        env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(self.dir), env.get("JUPYTER_PATH")) if p)
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in (str(ROOT), env.get("PYTHONPATH")) if p))
        return env

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class WarmKernels(FreshKernels):
    """A running fork server and a kernelspec ``grading-warm`` that launches kernels through it.

    After entering, call :meth:`wait_ready` (other start-up work can overlap the server's
    preloading). The server is stopped on exit, on Ctrl-C, and when this process dies (it
    watches its stdin).
    """

    name = KERNEL_NAME

    def __init__(self, env: dict[str, str] | None = None, preload: Sequence[str] = ()) -> None:
        super().__init__(env)
        self.preload = list(preload)  # modules the server imports besides forkserver.PRELOAD
        self.socket = self.dir / "server.sock"
        self.process: subprocess.Popen[str] | None = None

    def argv(self) -> list[str]:
        return [sys.executable, str(Path(__file__).with_name("launch.py")), str(self.socket), "-f", "{connection_file}"]

    def __enter__(self) -> WarmKernels:
        super().__enter__()
        self.process = subprocess.Popen([sys.executable, "-m", "grading.sandbox.forkserver", str(self.socket),
                                         *self.preload],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env=self.env(), cwd=self.dir)
        return self

    def wait_ready(self) -> None:
        """Block until the server has imported everything and listens (it preloads for a few seconds)."""
        ready = self.process.stdout.readline().strip() if self.process and self.process.stdout else ""
        if ready != "ready":
            self.__exit__()
            raise RuntimeError("the warm kernel server did not start")

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
        super().__exit__()
