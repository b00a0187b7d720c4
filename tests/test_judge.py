"""The grader's judge: checks run here, student functions run elsewhere, and what they did comes back faithfully.

These tests wire the judge (:mod:`grading.pipeline.judge`) straight to the kernel side (:mod:`grading.sandbox.probe`)
in this process: each call still crosses as a pickle one way and plain data the other, so the
student's function works on copies, exactly as in a kernel. Each case compares what a check sees
through the judge with what it would see calling the function itself.
"""
from __future__ import annotations

import copy
from typing import Any, cast

import nbformat
import pytest
import torch
from nbclient.exceptions import DeadKernelError
from torch import nn

from course_checks import a03
from course_checks.messages import StudentCodeFailed
from course_checks.structure import CustomLinear
from grading import course
from grading.pipeline import judge
from grading.pipeline.execute import CHECKS, BoundedExecute
from grading.pipeline.workers import code_of_test_cells
from grading.sandbox import probe


def remote(**functions) -> judge.Remote:
    """A judge whose 'kernel' is the probe in this process, holding ``functions`` as the student's."""
    def ask(request: bytes, timeout: float) -> dict:
        return probe.answer(request, functions)

    return judge.Remote(ask, deadline=float("inf"))


def student(source: str) -> dict:
    """The functions (and classes) a student's cell defines."""
    scope = {"torch": torch, "nn": nn, "__name__": "__main__"}
    exec(source, scope)
    return scope


def test_an_in_place_init_is_mirrored_onto_the_checks_own_net():
    fns = student("def init(m):\n    if isinstance(m, nn.Linear):\n        nn.init.constant_(m.weight, 3.0)")
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    weights = [net[0].weight, net[2].weight]
    net.apply(remote(**fns).function("init"))
    assert net[0].weight is weights[0] and net[2].weight is weights[1]
    assert torch.equal(cast(torch.Tensor, net[0].weight), torch.full((3, 2), 3.0)) and net[0].weight.is_leaf
    assert net[0].weight.requires_grad


def test_a_replaced_parameter_is_a_new_object_here_too():
    fns = student("def init(m):\n    m.weight = nn.Parameter(torch.zeros_like(m.weight))")
    layer = nn.Linear(2, 2)
    old = layer.weight
    remote(**fns).function("init")(layer)
    assert layer.weight is not old and isinstance(layer.weight, nn.Parameter)
    assert torch.equal(layer.weight, torch.zeros(2, 2)) and torch.equal(old, old)


def test_an_autograd_history_shows_here_too():
    fns = student("def init(m):\n    m.weight.requires_grad_(False)\n"
                  "    m.weight.mul_(torch.ones_like(m.weight, requires_grad=True))")
    layer = nn.Linear(2, 2)
    remote(**fns).function("init")(layer)
    assert not layer.weight.is_leaf and layer.weight.grad_fn is not None


def test_a_returned_module_is_rebuilt_with_its_classes_names_ties_and_forward():
    fns = student("def block():\n    tied = nn.Linear(4, 4)\n"
                  "    return nn.Sequential(tied, nn.ReLU(), tied, nn.Linear(4, 1, bias=False))")
    kernel = remote(**fns)
    first, second = kernel.function("block")(), kernel.function("block")()
    assert type(first) is nn.Sequential and [type(m) for m in first] == [nn.Linear, nn.ReLU, nn.Linear, nn.Linear]
    assert first[0] is first[2] and first[3].bias is None and first[0].in_features == 4
    assert first is not second and first[0].weight is not second[0].weight
    x = torch.randn(5, 4)
    assert torch.equal(first(x), first[3](first[0](torch.relu(first[0](x)))))


def test_identity_with_the_arguments_is_kept():
    fns = student("def get(net, name):\n    return net.get_parameter(name)\n"
                  "def same(a, b):\n    return a is b\n"
                  "def same_memory(a, b):\n    return a.data_ptr() == b.data_ptr()")
    kernel = remote(**fns)
    net = nn.Sequential(nn.Linear(2, 2))
    assert kernel.function("get")(net, "0.bias") is net[0].bias
    alias = nn.Parameter(cast(torch.Tensor, net[0].weight).data)
    assert kernel.function("same")(net[0].weight, net[0].weight) is True
    assert kernel.function("same")(net[0].weight, alias) is False
    assert kernel.function("same_memory")(net[0].weight, alias) is True  # shared memory crosses as such


def test_the_students_error_keeps_its_class_message_and_lines():
    fns = student("def lookup(net, name):\n    raise KeyError(name)")
    with pytest.raises(KeyError) as caught:
        remote(**fns).function("lookup")(nn.Linear(1, 1), "nope")
    assert type(caught.value).__name__ == "KeyError" and str(caught.value) == "'nope'"
    # remote_error sets the kernel's frames on the exception it makes
    assert [frame[2] for frame in caught.value.remote_frames] == ["lookup"]  # type: ignore[attr-defined]


def test_draws_from_the_global_rng_match_a_local_call():
    fns = student("def init(m):\n    nn.init.normal_(m.weight)")
    here, there = nn.Linear(8, 8), nn.Linear(8, 8)
    torch.manual_seed(5)
    fns["init"](here)
    after_local = torch.rand(1)
    torch.manual_seed(5)
    remote(**fns).function("init")(there)
    assert torch.equal(here.weight, there.weight) and torch.equal(torch.rand(1), after_local)


def test_a_net_applied_in_one_call_ends_as_when_applied_module_by_module():
    """``fn.apply_in_kernel(net)`` (the initialiser checks' one call) against ``net.apply(fn)`` (one call a module):
    the same draws, the same parameter objects kept or replaced, the same RNG state after."""
    fns = student("def init(m):\n    if isinstance(m, nn.Linear):\n        nn.init.normal_(m.weight)\n"
                  "        m.bias = nn.Parameter(torch.zeros_like(m.bias))")
    asked: list[bytes] = []

    def ask(request: bytes, timeout: float) -> dict:
        asked.append(request)
        return probe.answer(request, fns)

    init = judge.Remote(ask, deadline=float("inf")).function("init")
    nets = [nn.Sequential(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), nn.Linear(3, 2)) for _ in range(2)]
    nets[1].load_state_dict(nets[0].state_dict())
    layers = [(n.get_submodule("0.0"), n.get_submodule("1")) for n in nets]
    weights, biases = [[a.weight, b.weight] for a, b in layers], [[a.bias, b.bias] for a, b in layers]
    torch.manual_seed(7)
    nets[0].apply(init)
    after = [torch.rand(3)]
    assert len(asked) == 5  # one call a module
    torch.manual_seed(7)
    cast(Any, init).apply_in_kernel(nets[1])  # the attribute the judge gives a student function
    after.append(torch.rand(3))
    assert len(asked) == 6  # one call for the whole net
    assert all(torch.equal(a, b) for a, b in zip(nets[0].state_dict().values(), nets[1].state_dict().values()))
    assert torch.equal(after[0], after[1])
    for (first, last), kept, replaced in zip(layers, weights, biases):
        assert first.weight is kept[0] and last.weight is kept[1]
        assert first.bias is not replaced[0] and last.bias is not replaced[1]


def test_an_error_in_a_net_applied_in_one_call_names_the_layer_it_was_at():
    fns = student("def init_normal(m):\n    if isinstance(m, nn.Linear):\n"
                  "        nn.init.normal_(m.weight, mean=0, std=0.01)\n        nn.init.zeros_(m.bias)")
    with pytest.raises(StudentCodeFailed) as raised:
        a03.check_init_normal(remote(**fns).function("init_normal"))
    text = " ".join(str(raised.value).split())
    assert "at layer 5 (Linear(128, 100, bias=False))" in text and "if m.bias is not None" in text
    assert "line 4, in init_normal" in text  # the student's own frame (a cell's source shows its line too)


def test_a_fake_int_stays_fake():
    fns = student("class Lie(int):\n    def __eq__(self, other):\n        return True\n"
                  "def count(net):\n    return Lie(3)")
    found = remote(**fns).function("count")(nn.Linear(1, 1))
    assert type(found) is not int and type(found).__name__ == "Lie" and found != 49


def test_a_students_own_module_runs_its_own_forward_in_the_kernel():
    fns = student("class Twice(nn.Module):\n    def forward(self, x):\n        return 2 * x\n"
                  "def make():\n    return nn.Sequential(Twice(), nn.ReLU())")
    net = remote(**fns).function("make")()
    assert type(net[0]).__name__ == "Twice" and type(net[0]).__module__ == fns["Twice"].__module__
    x = torch.tensor([[-1.0, 2.0]])
    assert torch.equal(net(x), torch.tensor([[0.0, 4.0]]))


def test_the_checks_own_classes_arrive_as_their_torch_base_under_their_name():
    fns = student("def describe(m):\n    return type(m).__name__, isinstance(m, nn.Linear), m.in_features")
    assert remote(**fns).function("describe")(CustomLinear(3, 2)) == ("CustomLinear", True, 3)


def test_gradients_travel_both_ways():
    fns = student("def has_no_grads(net):\n    return all(p.grad is None for p in net.parameters())\n"
                  "def step(net):\n    opt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
                  "    loss = net(torch.ones(1, 2)).sum()\n    loss.backward()\n    opt.step()\n    return float(loss)")
    kernel = remote(**fns)
    net = nn.Linear(2, 1)
    assert kernel.function("has_no_grads")(net) is True
    net.bias.grad = torch.zeros(1)
    assert kernel.function("has_no_grads")(net) is False
    net.bias.grad = None
    mine = copy.deepcopy(net)
    assert kernel.function("step")(net) == fns["step"](mine)
    assert net.weight.grad is not None and mine.weight.grad is not None
    assert torch.equal(net.weight, mine.weight) and torch.equal(net.weight.grad, mine.weight.grad)


def test_a_test_cell_runs_here_and_names_what_failed():
    fns = student("def count_parameters(net):\n    return 49")
    ask = remote(**fns).ask
    passing = "from course_checks.student_call import runs\nruns(count_parameters, nn.Linear(2, 3))"
    assert judge.judge(passing, ask, 30) == (None, [])
    failing = "from course_checks.a01 import check_count_parameters\ncheck_count_parameters(count_parameters)"
    error, ran = judge.judge(failing, ask, 30)
    assert type(error).__name__ == "CheckFailed" and "expected" in str(error) and ran == []
    right = remote(**student("def count_parameters(net):\n    return sum(p.numel() for p in net.parameters())"))
    assert judge.judge(failing, right.ask, 30) == (None, ["check_count_parameters"])


def grader_cell(source: str, grade_id: str) -> nbformat.NotebookNode:
    """An autograder test cell as nbgrader marks it."""
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": grade_id, "points": 1, "schema_version": 3}})


def test_judged_cells_in_a_real_kernel_time_out_and_go_on(tmp_path):
    """Through nbgrader's Execute step and a real kernel: a check whose student function never returns ends
    as a timeout; the kernel is interrupted and the next test cell is judged as usual."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import torch\nfrom torch import nn"),
        nbformat.v4.new_code_cell("def count_parameters(net):\n    return sum(p.numel() for p in net.parameters())\n"
                                  "def spin(net):\n    while True:\n        pass"),
        grader_cell("from course_checks.student_call import runs\nruns(spin, nn.Linear(1, 1))", "test_spin"),
        grader_cell("from course_checks.a01 import check_count_parameters\ncheck_count_parameters(count_parameters)",
                  "test_count_parameters"),
    ])
    BoundedExecute(timeout=5, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    timed_out, passed = nb.cells[2].outputs, nb.cells[3].outputs
    assert [o.get("ename") for o in timed_out] == ["CellTimeoutError"]
    assert [o.output_type for o in passed] == ["display_data"]
    assert passed[0].metadata[CHECKS] == ["check_count_parameters"]


def test_a_kernel_that_dies_during_a_check_is_a_dead_kernel(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\ndef leave(net):\n    os._exit(1)"),
        grader_cell("from course_checks.student_call import runs\nfrom torch import nn\nruns(leave, nn.Linear(1, 1))",
                  "test_leave"),
    ])
    with pytest.raises(DeadKernelError):
        BoundedExecute(timeout=10, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(tmp_path)}})


def test_a_reply_cannot_name_anything_of_torch_but_a_dtype():
    """The grader parses what a kernel sends: a 'dtype' naming a torch function is refused, never returned."""
    rebuild = judge.Rebuild(remote(), {}, [])
    assert rebuild.value({"t": "dtype", "v": "float64"}) is torch.float64
    with pytest.raises(ValueError):
        rebuild.value({"t": "dtype", "v": "load"})


@pytest.mark.parametrize("index", [1, -1, "0", 0.0, None, True], ids=repr)
def test_a_tensor_takes_its_bytes_only_from_a_buffer_the_reply_carries(index):
    """A tensor's description names one of the reply's binary buffers by index; anything else is refused."""
    tensor = {"t": "tensor", "cls": "torch:Tensor", "requires_grad": False, "dtype": "float32", "shape": [2],
              "leaf": True, "i": 0}
    assert torch.equal(judge.Rebuild(remote(), {}, [b"\0" * 8]).value({**tensor, "data": 0}), torch.zeros(2))
    with pytest.raises(ValueError):
        judge.Rebuild(remote(), {}, [b"\0" * 8]).value({**tensor, "data": index})


def test_a_run_judges_with_the_checks_its_test_cells_import(tmp_path):
    """grade_all hands judge.prepare the test cells of the assignments it grades: every check module they import,
    the hidden ones too, is among them (the workers forked after it find them imported)."""
    course_dir = course.prepare(tmp_path / "course")
    sources = code_of_test_cells(course_dir, ["03_initialisation", "03_initialisation"])
    imported = {line.split()[1] for source in sources for line in source.splitlines() if line.startswith("from ")}
    assert {"course_checks.a03", "course_checks.student_call", "grading.hidden.a03"} <= imported, imported
    assert not any("def " in source for source in sources)  # no solution cell
    course.notebook(course_dir, "source", "03_initialisation").unlink()  # nbgrader grades without it
    assert code_of_test_cells(course_dir, ["03_initialisation"]) == []
