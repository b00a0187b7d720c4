"""Warm kernels: forked from a pristine parent, yet as isolated as fresh ones."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

import grading.sandbox
from grading import course
from grading.pipeline.workers import preload_for
from grading.sandbox.channel import BoundedKernelManager
from grading.sandbox.forkserver import OPTIMIZERS
from grading.sandbox.kernelspecs import KERNEL_NAME, LAUNCHED_BY, WarmKernels


@pytest.fixture(scope="module")
def warm():
    with WarmKernels(preload=OPTIMIZERS) as kernels:
        kernels.wait_ready()
        old = dict(os.environ)
        os.environ.update(kernels.env())
        yield kernels
        os.environ.clear()
        os.environ.update(old)


def run(*sources: str, cwd: str | None = None, timeout: int = 20) -> list[str]:
    """Execute cells in one warm kernel; the stdout of each cell."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=timeout).execute(**({"cwd": cwd} if cwd else {}))
    return ["".join(o.get("text", "") for o in c.outputs if o.get("name") == "stdout").strip() for c in nb.cells]


def test_state_of_one_notebook_is_never_seen_by_the_next(warm, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = run("import torch, math, builtins\n"
                "torch.equal = lambda a, b: True\n"
                "math.isclose = lambda *a, **k: True\n"
                "builtins.SECRET = 42\n"
                "torch.manual_seed(123); print(torch.rand(1).item())\n"
                "open('left_behind.txt', 'w').write('x')",
                cwd=str(tmp_path / "a"))
    second = run("import torch, math, builtins, os\n"
                 "print(torch.equal(torch.zeros(1), torch.ones(1)), math.isclose(1, 2), hasattr(builtins, 'SECRET'))\n"
                 "print(os.path.exists('../a/left_behind.txt'), os.path.exists('left_behind.txt'))\n"
                 "print(torch.rand(1).item())",
                 cwd=str(tmp_path / "b"))
    fresh_rng = run("import torch; print(torch.rand(1).item())")
    assert second[0].splitlines() == ["False False False", "True False", fresh_rng[0]]
    assert first[0] != fresh_rng[0]


def test_the_server_preloads_dynamo_for_an_assignment_whose_notebook_uses_an_optimizer(warm, tmp_path):
    course_dir = course.prepare(tmp_path / "course")
    assert {a: preload_for(course_dir, [a]) for a in course.assignments()} == {
        "01_parameter_access": [], "02_nested_blocks": [], "03_initialisation": [],
        "04_parameter_tying": ["torch._dynamo"]}
    assert preload_for(course_dir, course.assignments()) == ["torch._dynamo"]
    course.notebook(course_dir, "source", "04_parameter_tying").unlink()  # nbgrader grades without it
    assert preload_for(course_dir, course.assignments()) == []
    # what was asked is imported once, in the server: a kernel starts with it (tests/test_sandbox.py: without it)
    assert run("import sys; print('torch._dynamo' in sys.modules)") == ["True"]


def test_a_kernel_runs_in_the_requested_directory_with_the_requested_environment(warm, tmp_path):
    os.environ["GRADING_PROBE"] = "seen"
    try:
        out = run("import os, sys\nprint(os.getcwd()); print(os.environ.get('GRADING_PROBE')); print(sys.path[0])",
                  cwd=str(tmp_path))
    finally:
        del os.environ["GRADING_PROBE"]
    assert out[0].splitlines() == [str(tmp_path), "seen", str(tmp_path)]


def test_an_infinite_loop_is_interrupted_at_the_cell_timeout(warm):
    start = time.monotonic()
    with pytest.raises(CellTimeoutError):
        run("while True:\n    pass", timeout=2)
    assert time.monotonic() - start < 20


def test_a_kernel_that_exits_is_reported_dead_and_leaves_no_socket_folder(warm):
    class Kept(BoundedKernelManager):  # grading's kernel manager (grading/pipeline/execute.py), kept to look at
        made: list[BoundedKernelManager] = []

        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.made.append(self)

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nos._exit(3)")])
    with pytest.raises(DeadKernelError):
        NotebookClient(nb, kernel_name=KERNEL_NAME, kernel_manager_class=Kept, timeout=20).execute()
    folder = Path(Kept.made[0].connection_file).parent
    assert folder.name.startswith("grading-ipc-") and not folder.exists()
    assert run("print('next kernel fine')") == ["next kernel fine"]


def test_memory_limit_applies_to_each_kernel(warm):
    os.environ["GRADING_KERNEL_MEMORY_MB"] = "1024"
    try:
        out = run("import torch\ntry:\n    x = torch.ones(2**31, dtype=torch.uint8) + 1\n    print('allocated')\n"
                  "except (MemoryError, RuntimeError) as e:\n    print('refused')")
    finally:
        del os.environ["GRADING_KERNEL_MEMORY_MB"]
    assert out == ["refused"]


def test_a_launcher_whose_grader_is_gone_starts_no_kernel(tmp_path):
    """A grading worker killed while it launches a kernel takes its fork server with it: the launcher it leaves
    behind must not start an ordinary kernel that nobody would connect to or end (test_dask kills workers so)."""
    launcher = Path(grading.sandbox.__file__).with_name("launch.py")
    env = dict(os.environ, **{LAUNCHED_BY: "1"})  # a grader that is not the launcher's parent: it is gone
    done = subprocess.run([sys.executable, str(launcher), str(tmp_path / "gone.sock"), "-f",
                           str(tmp_path / "kernel.json")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "asked for this kernel is gone; none started" in done.stderr, done.stderr
    assert not (tmp_path / "kernel.json").exists()


def test_without_a_server_the_launcher_falls_back_to_an_ordinary_kernel():
    with WarmKernels() as kernels:
        env = kernels.env()
        kernels.wait_ready()
        assert kernels.process is not None
        kernels.process.kill()
        kernels.process.wait()
        old = dict(os.environ)
        os.environ.update(env)
        try:
            assert run("print(1 + 1)") == ["2"]
        finally:
            os.environ.clear()
            os.environ.update(old)
