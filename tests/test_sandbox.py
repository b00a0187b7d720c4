"""The grading kernel's sandbox, tried from inside warm and fresh kernels as a hostile notebook would."""
from __future__ import annotations

import os
import socket

import nbformat
import pytest
from nbclient import NotebookClient

from grading import course
from grading.sandbox import confine
from grading.sandbox.channel import BoundedKernelManager
from grading.sandbox.kernelspecs import FreshKernels, WarmKernels

SANDBOX = confine.probe()
pytestmark = pytest.mark.skipif(not SANDBOX.confined,
                                reason=f"kernels cannot be sandboxed on this machine: {SANDBOX.how}")

ATTEMPTS = {
    "write the gradebook": "open(os.path.join(COURSE, 'gradebook.db'), 'w').write('x')",
    "read the gradebook": "open(os.path.join(COURSE, 'gradebook.db')).read()",
    "write a classmate's notebook": "open(os.path.join(COURSE, 'submitted', 'bob', 'a', 'exercises.ipynb'), 'a')",
    "write through a relative path": "open('../../../submitted/bob/a/exercises.ipynb', 'a')",
    "read the solutions": "open(SOLUTION).read()",
    "read the hidden checks": "open(HIDDEN).read()",
    "import the hidden checks": "import grading.hidden.a01",
    "write the repository": "open(os.path.join(REPO, 'README.md'), 'a')",
    "reach the gradebook through /proc/1/root": "open('/proc/1/root' + os.path.join(COURSE, 'gradebook.db')).read()",
    "reach it through the parent's root": "open(f'/proc/{os.getppid()}/root' + os.path.join(COURSE, 'gradebook.db'))",
    "signal the parent": "os.kill(os.getppid(), 0)",
    "undo a mount": "import subprocess; subprocess.run(['umount', COURSE], check=True, capture_output=True)",
    "reach a port on the machine's loopback": "import socket; socket.create_connection(('127.0.0.1', PORT), 3)",
    "list home folders": "os.listdir('/home')",
    "read root's files": "open('/root/.bashrc').read()",
    "look around the machine": "os.listdir('/var')",
    "see the machine's processes": "assert [p for p in os.listdir('/proc') if p.isdigit() and int(p) > 50]",
}


@pytest.fixture(scope="module", params=["warm", "fresh"])
def kernels(request, tmp_path_factory):
    """A fake course (gradebook, a classmate's submission) and kernels of one kind sandboxed for it."""
    root = tmp_path_factory.mktemp("course")
    (root / "gradebook.db").write_text("grades")
    (root / "submitted" / "bob" / "a").mkdir(parents=True)
    (root / "submitted" / "bob" / "a" / "exercises.ipynb").write_text("bob's work")
    kind = WarmKernels if request.param == "warm" else FreshKernels
    with kind(course.kernel_env(root)) as provider:
        provider.wait_ready()
        yield root, provider


def run(provider, root, sources: list[str], port: int = 0) -> list[dict[str, str]]:
    """Run cells in one kernel in ``root/autograded/ann/a`` (reached as grading reaches it); each one's stdout and
    stderr."""
    workdir = root / "autograded" / "ann" / "a"
    workdir.mkdir(parents=True, exist_ok=True)
    setup = (f"import os\nCOURSE = {str(root)!r}\nREPO = {str(course.ROOT)!r}\nPORT = {port}\n"
             f"SOLUTION = {str(course.SOLUTIONS / course.assignments()[0] / 'exercises.ipynb')!r}\n"
             f"HIDDEN = {str(course.HIDDEN_CHECKS / 'a01.py')!r}")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in [setup, *sources]])
    old = dict(os.environ)
    os.environ.update(provider.env())
    try:
        NotebookClient(nb, kernel_name=provider.name, timeout=30,
                       kernel_manager_class=BoundedKernelManager).execute(cwd=str(workdir))
    finally:
        os.environ.clear()
        os.environ.update(old)
    return [{stream: "".join(o.get("text", "") for o in c.outputs if o.get("name") == stream).strip()
             for stream in ("stdout", "stderr")} for c in nb.cells[1:]]


# Honest work, all in one kernel of each kind, for the three tests that read it: first what a kernel holds when it
# starts (no check), then ordinary work, then plotting and torch, which must write nothing to stderr.
AT_START = ["import sys; print(sorted(m for m in sys.modules if m.startswith(('grading.hidden', 'course_checks'))))",
            "import torch; x = torch.ones(300, 300); print(torch.get_num_threads())"]
WORK = ["open('notes.txt', 'w').write('mine'); print(open('notes.txt').read())",
        "import tempfile; print(tempfile.mkstemp()[1].startswith('/tmp'))",
        "import torch, math; print(float(torch.ones(3).sum()), math.isclose(1, 1))",
        "import course_checks.a01; print('checks importable')",
        "import warnings; warnings.warn('fine'); print('warned')"]
QUIET = ["import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
         "import torch\nx = torch.randn(64, 64) @ torch.randn(64, 64)\nprint(torch.get_num_threads())",
         "import sys, torch\nnet = torch.nn.Linear(2, 1)\nassert 'torch._dynamo' not in sys.modules\n"
         "opt = torch.optim.SGD(net.parameters(), lr=0.1)\nnet(torch.ones(2)).sum().backward()\n"
         "opt.step()\nprint(net.bias.grad is not None)"]


@pytest.fixture(scope="module")
def honest(kernels) -> dict[str, list[dict[str, str]]]:
    """The honest cells above run in one kernel: each group's cells' stdout and stderr."""
    root, provider = kernels
    out = run(provider, root, AT_START + WORK + QUIET)
    return {"at start": out[:len(AT_START)], "work": out[len(AT_START):-len(QUIET)], "quiet": out[-len(QUIET):]}


def test_every_attempt_to_reach_out_fails(kernels):
    root, provider = kernels
    cells = [f"try:\n    {code}\n    print('REACHED')\nexcept Exception as e:\n    print('blocked', type(e).__name__)"
             for code in ATTEMPTS.values()]
    with socket.create_server(("127.0.0.1", 0)) as listener:  # a service on the machine: a kernel must not reach it
        outcome = dict(zip(ATTEMPTS, (c["stdout"] for c in run(provider, root, cells, listener.getsockname()[1]))))
    assert not [what for what, out in outcome.items() if not out.startswith("blocked")], outcome
    assert (root / "gradebook.db").read_text() == "grades"
    assert (root / "submitted" / "bob" / "a" / "exercises.ipynb").read_text() == "bob's work"


def test_honest_work_still_runs(kernels, honest):
    root, _ = kernels
    assert [c["stdout"] for c in honest["work"]] == ["mine", "True", "3.0 True", "checks importable", "warned"]
    assert not (root / "autograded" / "ann" / "a" / "notes.txt").exists()  # written to its scratch copy, gone


def test_plotting_and_torch_write_nothing_to_stderr(honest):
    """A test cell that writes to stderr scores 0: the sandbox must not make honest code warn (matplotlib's
    config folder, fontconfig's cache, torch reading the CPUs, an optimizer importing torch._dynamo, which this fork
    server did not preload)."""
    assert [c["stderr"] for c in honest["quiet"]] == ["", "", ""]
    assert [c["stdout"] for c in honest["quiet"]] == ["", "1", "True"]


def test_no_check_and_no_hidden_test_is_in_the_kernel(honest):
    """The checks run in the grader: a kernel holds none of their code (the hidden tests least of all) to read."""
    assert [c["stdout"] for c in honest["at start"]] == ["[]", "1"]
