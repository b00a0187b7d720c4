"""The tamper scanner flags hostile code and leaves honest code alone."""
from __future__ import annotations

import importlib

import nbformat
import pytest

from grading.intake.scan import scan_notebook, scan_source

HOSTILE = {
    "patch_torch_equal": "import torch\ntorch.equal = lambda a, b: True",
    "patch_tensor_method": "import torch\ntorch.Tensor.std = lambda self, *a, **k: torch.tensor(0.01)",
    "patch_via_from_import": "from torch import Tensor\nTensor.data_ptr = lambda self: 0",
    "patch_math_isclose": "import math as m\nm.isclose = lambda *a, **k: True",
    "patch_builtins": "import builtins\nbuiltins.isinstance = lambda *a: True",
    "setattr_patch": "import torch\nsetattr(torch, 'allclose', lambda *a, **k: True)",
    "replace_checks": "import course_checks.a01 as c\nc.check_param_shapes = lambda f: None",
    "hijack_run_cell": "ip = get_ipython()\nip.run_cell = lambda *a, **k: None",
    "excepthook": "import sys\nsys.excepthook = lambda *a: None",
    "showtraceback": "get_ipython().showtraceback = lambda *a, **k: None",
    "fake_eq": "class Yes:\n    def __eq__(self, other):\n        return True",
    "fake_bool_subclass": "class Lie(int):\n    pass",
    "read_solutions": "text = open('../../../source/01_parameter_access/exercises.ipynb').read()",
    "os_exit": "import os\nos._exit(0)",
    "sys_exit": "import sys\nsys.exit()",
    "shell_escape": "!rm -rf ../other_student",
    "gc_walk": "import gc\nobjs = gc.get_objects()",
    "exec_string": "exec('import torch; torch.equal = None')",
    "frame_walk": "import sys\nf = sys._getframe()\nf.f_back.f_globals['x'] = 1",
    "sqlite": "import sqlite3\nsqlite3.connect('../../gradebook.db')",
    "code_swap": "import pkgutil\nf = pkgutil.resolve_name('course_checks.messages:fail')\n"
                 "setattr(f, '__co' + 'de__', getattr(lambda: None, '__co' + 'de__'))",
    "patch_through_alias": "import scipy.stats as st\nsp = st._stats_py\nsp.ks_1samp = lambda *a, **k: None",
    "patch_a_base_class": "import scipy.stats as st\nbase = type(st.chi2).mro()[1]\nbase.ppf = lambda *a: 0",
    "walk_frames": "import traceback\nframes = list(traceback.walk_stack(None))",
    "read_key": "import os\nkey = os.getenv('GRADING_RECEIPT_KEY')",
    "sys_through_torch": "import torch\nmods = torch.sys.modules",
    "os_through_numpy": "import numpy as np\nnp.os.environ.get('X')",
    "os_by_getattr": "import torch\nsneaky = getattr(torch, 'os')",
    "computed_name_on_module": "import torch\nname = 'eq' + 'ual'\nf = getattr(torch, name)",
    "cleanup_hook": "ip = get_ipython()\nip.input_transformers_cleanup.append(lambda lines: lines)",
    "cleanup_hook_no_name": "import sys\nsys.modules['__main__'].get_ipython().input_transformers_cleanup.clear()",
    "display_metadata": "from IPython.display import display\n"
                        "display({'text/plain': 'x'}, raw=True, metadata={'a': 1})",
    "symlink_notebook": "import os\nos.symlink('/course/gradebook.db', 'exercises.ipynb')",
    "hardlink": "import os\nos.link('a', 'b')",
    "path_symlink": "from pathlib import Path\nPath('exercises.ipynb').symlink_to('/etc/passwd')",
    "replace_notebook": "import os\nos.replace('x', 'exercises.ipynb')",
    "fork_setsid": "import os\nif os.fork() == 0:\n    os.setsid()",
    "from_os_setsid": "from os import setsid\nsetsid()",
}

HONEST = {
    "print_and_warn": "import warnings\nprint('hello')\nwarnings.warn('careful')",
    "isinstance_and_is": "def f(m, a, b):\n    return isinstance(m, nn.Linear) and a is b",
    "helpers": "import math, copy\nfrom collections import OrderedDict, defaultdict\n"
               "from itertools import combinations",
    "own_class": "class MyBlock(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                 "        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n        return self.fc(x)",
    "own_attributes": "net = nn.Sequential(nn.Linear(4, 8))\nnet[0].weight = net[0].weight\nnet.extra = 1",
    "matplotlib_magic": "%matplotlib inline\nimport matplotlib.pyplot as plt",
    "no_grad_edit": "import torch\nwith torch.no_grad():\n    w = torch.zeros(3)\n    w[0] = 1",
    "syntax_error": "def f(:\n    pass",
    "getattr_by_computed_name_on_a_net": "def get_param(net, name):\n    obj = net\n"
                                         "    for part in name.split('.'):\n        obj = getattr(obj, part)\n"
                                         "    return obj",
    "os_path": "import os\nprint(os.path.join('a', 'b'))",
    "getattr_by_constant_name": "layer = nn.Linear(2, 2)\nw = getattr(layer, 'weight')\nnet = nn.Sequential()\n"
                                "net.add_module('fc', layer)",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_code_is_flagged(name):
    assert scan_source([(3, HOSTILE[name])]), name


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_code_is_not_flagged(name):
    assert scan_source([(3, HONEST[name])]) == []


def test_a_flag_says_what_and_where():
    assert scan_source([(5, "import torch\n\ntorch.equal = None")]) == ["patches torch.equal (cell 5, line 3)"]


def test_imports_carry_over_between_cells():
    assert scan_source([(2, "import torch as t"), (4, "t.mean = None")]) == ["patches torch.mean (cell 4, line 1)"]


@pytest.mark.parametrize("assignment", ["a01", "a02", "a03", "a04"])
def test_every_correct_corpus_variant_is_clean(assignment):
    corpus = importlib.import_module(f"corpus.{assignment}")
    for function, variants in corpus.CORRECT.items():
        for name, source in variants:
            assert scan_source([(1, source)]) == [], f"{function}/{name}"


@pytest.mark.parametrize("source", ["1+" * 100_000 + "1", "-" * 100_000 + "1", "(" * 10_000 + ")" * 10_000])
def test_code_too_deep_for_python_is_no_crash(source):
    """Python cannot compile it either (it only fails its cell): the scan, run for the whole class, goes on."""
    assert scan_source([(3, source)]) == []


def test_code_deeper_than_the_scan_reads_is_flagged():
    """Compiles, but its syntax tree is deeper than a recursive scan can walk: whatever it hides is unseen."""
    source = "x = " + "+".join(["1"] * 1_500)
    compile(source, "cell", "exec")
    assert scan_source([(3, source)]) == ["cell 3: code nested too deeply to be read by the scan"]


def test_the_release_says_which_cells_are_the_students_not_their_metadata(tmp_path):
    """A cell that calls itself locked in its own metadata is scanned; a copy of a release test cell is not."""
    locked = {"nbgrader": {"locked": True, "grade": True, "grade_id": "test_f", "points": 1}}
    test = "from course_checks import guard\nguard.check()"
    release = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(test, metadata=locked)])
    submitted = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import torch\ntorch.equal = None", metadata=locked),  # forged
        nbformat.v4.new_code_cell(test, metadata=locked),
        nbformat.v4.new_code_cell(test),  # a pasted copy of the test, metadata gone: still release code
    ])
    nbformat.write(release, tmp_path / "release.ipynb")
    nbformat.write(submitted, tmp_path / "submitted.ipynb")
    assert scan_notebook(tmp_path / "submitted.ipynb", tmp_path / "release.ipynb") == [
        "patches torch.equal (cell 1, line 2)"]
