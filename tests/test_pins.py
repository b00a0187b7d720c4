"""Overrides of pinned packages' internals are re-read when a pin moves, and are off or refuse on other versions."""
from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import nbgrader
import pytest
from nbgrader.converters.autograde import Autograde
from nbgrader.converters.generate_feedback import GenerateFeedback
from nbgrader.preprocessors import Execute
from traitlets.config.loader import PyFileConfigLoader
from traitlets.utils.importstring import import_item

from grading import pins
from grading.course import CONFIG, ROOT
from grading.pipeline import fastpath
from grading.pipeline.execute import BoundedExecute
from grading.pipeline.feedback_filter import HideHiddenTests
from grading.sandbox.channel import BoundedKernelManager


def normal(name: str) -> str:
    """A package name as package indexes compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_pins() -> dict[str, str]:
    """requirements.txt's exact pins: package (normalised) -> version."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {normal(name): version for name, _, version in (line.partition("==") for line in lines if "==" in line)}


def other_version(package: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``package`` look installed in a version no override was read in."""
    real = pins.installed
    monkeypatch.setattr(pins, "installed", lambda name: "9.9.9" if name == package else real(name))


def test_every_version_the_overrides_were_read_in_is_the_one_requirements_pin():
    """Moving a pin in requirements.txt fails here until the names in grading/pins.py are re-read in the new
    version and CHECKED says so."""
    pinned = requirement_pins()
    moved = {p: (v, pinned.get(normal(p))) for p, v in pins.CHECKED.items() if pinned.get(normal(p)) != v}
    assert not moved, f"pins moved away from the versions grading/pins.py was read in (checked, pinned): {moved}"
    used = {p for o in pins.OVERRIDES for p in o.packages}
    assert used == set(pins.CHECKED), "every package an override touches has its version checked, and no other"


def test_the_installed_versions_are_the_checked_ones():
    assert {p: pins.installed(p) for p in pins.CHECKED} == pins.CHECKED
    assert all(not pins.mismatches(o) for o in pins.OVERRIDES)


def resolve(name: str) -> bool:
    """Whether a dotted name exists in the installed packages (a class attribute may be only annotated)."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:-1]:
            found = getattr(found, attr, None)
        last = parts[-1] if split < len(parts) else None
        if last is None or hasattr(found, last):
            return True
        return isinstance(found, type) and any(last in getattr(c, "__annotations__", {}) for c in found.__mro__)
    return False


@pytest.mark.parametrize("name", [n for o in pins.OVERRIDES for n in o.names])
def test_every_listed_internal_exists_in_the_installed_version(name):
    assert resolve(name), f"{name} is gone: the override that touches it must be re-read"


def test_every_module_whose_gradebook_the_fast_path_swaps_is_listed():
    assert {f"{m}.Gradebook" for m in fastpath.GRADEBOOK_USERS} <= set(pins.SHARED_GRADEBOOK.names)


def test_the_course_config_copies_nbgrader_default_steps(tmp_path, monkeypatch):
    """The course's nbgrader_config lists nbgrader's own default steps, Execute bounded, hidden tests hidden."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # the config puts the repository first
    monkeypatch.setenv("PYTHONPATH", "")
    (tmp_path / "nbgrader_config.py").write_text(CONFIG.format(root=str(tmp_path), course_id="c", repo=str(ROOT),
                                                               db_url="sqlite://"))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    autograde = [import_item(name) for name in config.Autograde.autograde_preprocessors]
    feedback = [import_item(name) for name in config.GenerateFeedback.preprocessors]
    assert autograde == [BoundedExecute if step is Execute else step for step in Autograde().autograde_preprocessors]
    assert HideHiddenTests in feedback
    assert [step for step in feedback if step is not HideHiddenTests] == GenerateFeedback().preprocessors


INSTALL = """
import io, json, os, sys, traceback
from grading import pins
import jsonschema, nbgrader.api
from grading.pipeline import execute, fastpath
real = pins.installed


def report(package):
    pins.installed = lambda name: "9.9.9" if name == package else real(name)
    sys.stderr = io.StringIO()
    fastpath.install()
    fastpath.install()  # a second time says nothing more
    applied = {pins.SHARED_GRADEBOOK.what: all(__import__(m, fromlist=["_"]).Gradebook is fastpath.SharedEngineGradebook
                                               for m in fastpath.GRADEBOOK_USERS),
               pins.CHECKED_SCHEMAS.what: __import__("nbgrader.nbgraderformat.common", fromlist=["_"]).jsonschema
                   is not jsonschema,
               pins.QUICK_KERNELS.what: execute.BoundedExecute.manager_class is fastpath.QuickKernelManager,
               pins.GRADEBOOK_VERSION.what: nbgrader.api.get_alembic_version is fastpath.gradebook_version}
    print(json.dumps({"package": package, "applied": applied, "stderr": sys.stderr.getvalue()}), flush=True)


for package in sys.argv[1:]:  # each in a child forked before install() ran: a worker's own process
    pid = os.fork()
    if pid == 0:
        try:
            report(package)
        except BaseException:
            traceback.print_exc(file=sys.__stderr__)
            os._exit(1)
        os._exit(0)
    if os.waitpid(pid, 0)[1] != 0:
        sys.exit(f"the child for {package} failed")
"""
OFF = {  # package installed in another version -> the fast paths that must be off
    "none-of-them": set(),
    "nbgrader": {pins.SHARED_GRADEBOOK, pins.CHECKED_SCHEMAS, pins.GRADEBOOK_VERSION},
    "jsonschema": {pins.CHECKED_SCHEMAS},
    "jupyter_client": {pins.QUICK_KERNELS},
}


@pytest.fixture(scope="module")
def installed_on_other_versions() -> dict[str, dict]:
    """package -> what install() applied and said on stderr in a process where only that package's version differs;
    one interpreter imports the grader once and forks a fresh child per package."""
    done = subprocess.run([sys.executable, "-c", INSTALL, *OFF], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    runs = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["package"] for r in runs] == list(OFF), done.stdout + done.stderr
    return {r["package"]: r for r in runs}


@pytest.mark.parametrize("package", OFF)
def test_a_fast_path_is_off_on_another_version_and_stderr_says_which_and_why(installed_on_other_versions, package):
    """In a worker's own process (install() is global): the fast paths whose package differs are not applied,
    each said once on stderr with the versions; the others are applied."""
    run, off = installed_on_other_versions[package], OFF[package]
    assert run["applied"] == {o.what: o not in off for o in pins.FAST_PATHS}
    lines = run["stderr"].splitlines()
    assert len(lines) == len(off), run["stderr"]
    for fast_path, line in zip(sorted(off, key=pins.FAST_PATHS.index), lines):
        assert line.startswith("[grading] fast path off") and fast_path.what in line
        assert f"{package} 9.9.9 is installed, its internals were read in {pins.CHECKED[package]}" in line


def test_bounded_kernels_refuse_to_start_on_another_jupyter_client(monkeypatch):
    BoundedKernelManager()  # the pinned version: starts
    other_version("jupyter_client", monkeypatch)
    for manager in (BoundedKernelManager, fastpath.QuickKernelManager):
        with pytest.raises(pins.PinMismatch, match=r"bounded kernel channels .* jupyter_client 9\.9\.9 is installed"):
            manager()


@pytest.mark.parametrize("package", ["jupyter_client", "nbclient", "nbgrader", "torch", "ipykernel"])
def test_grading_refuses_to_start_when_a_needed_override_was_read_in_another_version(package, monkeypatch):
    other_version(package, monkeypatch)
    with pytest.raises(pins.PinMismatch) as refused:
        pins.check()
    message = str(refused.value)
    assert f"{package} 9.9.9 is installed, its internals were read in {pins.CHECKED[package]}" in message
    assert all((o.what in message) == (package in o.packages) for o in pins.NEEDED)
    assert "requirements.txt" in message and "grading/pins.py" in message


def test_check_says_once_which_fast_paths_are_off(monkeypatch, capsys):
    monkeypatch.setattr(pins, "_told", set())
    pins.check()
    assert capsys.readouterr().err == ""
    other_version("jsonschema", monkeypatch)
    pins.check()
    pins.check()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and pins.CHECKED_SCHEMAS.what in lines[0] and "jsonschema 9.9.9" in lines[0]


def test_no_schema_the_command_validates_uses_the_iri_formats_it_leaves_unloaded():
    """``python -m grading`` leaves jsonschema's IRI format checks unloaded (grading/__main__.py): that is only
    right while no schema nbformat or nbgrader validates names those formats; and the command starts without them."""
    schemas = [p for package in (nbformat, nbgrader) for p in Path(str(package.__file__)).parent.rglob("*.json")]
    assert len(schemas) >= 10
    formats = {f for p in schemas for f in re.findall(r'"format"\s*:\s*"([^"]+)"', p.read_text())}
    assert not formats & {"iri", "iri-reference"}, formats
    started = ("import runpy, sys\nsys.argv = ['grading', '--help']\ntry:\n"
               "    runpy.run_module('grading', run_name='__main__')\nexcept SystemExit:\n    pass\n"
               "print('jsonschema._format' in sys.modules, sys.modules['rfc3987_syntax'])")
    startup = ROOT / "tests" / "startup"  # conftest.py puts it on PYTHONPATH for the processes tests start
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p) != startup]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))  # without the test run's own sitecustomize
    done = subprocess.run([sys.executable, "-c", started], capture_output=True, text=True, cwd=ROOT, check=True,
                          env=env)
    assert done.stdout.splitlines()[-1] == "True None", done.stdout
