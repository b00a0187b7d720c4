"""The one settings surface: every limit's flag, help, default, kernel environment and nbgrader argument come
from :class:`grading.settings.Settings`, and the limits reach a real kernel."""
from __future__ import annotations

import dataclasses
import json
import os
import resource
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Application

from grading import course
from grading.cli import main, parser
from grading.pipeline.execute import BoundedExecute
from grading.sandbox import confine
from grading.sandbox.channel import BoundedKernelManager
from grading.sandbox.kernelspecs import FreshKernels
from grading.settings import Settings

SETTINGS = [f.name for f in dataclasses.fields(Settings)]
# a value for every setting, none of them its default
CHANGED: dict[str, Any] = {"jobs": 3, "timeout": 7, "kernel": "fresh", "memory_mb": 3000, "cpu_seconds": 77,
                           "processes": 99, "file_mb": 5, "cell_chars": 1234, "notebook_chars": 56789,
                           "scratch_mb": 64, "scratch_files": 321}


def argv(values: dict[str, Any]) -> list[str]:
    """The flags that set ``values``."""
    return [arg for name, value in values.items() for arg in (Settings.flag(name), str(value))]


def test_the_defaults_are_those_of_before():
    assert dataclasses.asdict(Settings()) == {
        "jobs": os.cpu_count(), "timeout": 30, "kernel": "warm", "memory_mb": 4096, "cpu_seconds": 0,
        "processes": 512, "file_mb": 256, "cell_chars": 1_000_000, "notebook_chars": 10_000_000,
        "scratch_mb": 512, "scratch_files": 10_000}
    step = BoundedExecute()  # the output bounds nbgrader applies when it is given no argument
    assert (step.max_cell_chars, step.max_notebook_chars) == (Settings().cell_chars, Settings().notebook_chars)


def test_every_setting_is_a_flag_of_autograde_with_its_help(capsys):
    assert set(CHANGED) == set(SETTINGS)
    with pytest.raises(SystemExit) as done:
        main(["autograde", "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps the help at the terminal's width
    for f in dataclasses.fields(Settings):
        help = f.metadata["help"]
        assert f"{Settings.flag(f.name)} " in shown and len(help) > 20, f.name
        assert (help if "(default: " in help else f"{help} (default: {getattr(Settings(), f.name)})") in shown, f.name


@pytest.mark.parametrize("command", ["autograde", "demo", "bench"])
def test_the_flags_make_the_settings(command, tmp_path):
    submissions = [str(tmp_path)] if command == "autograde" else []
    assert Settings.from_args(parser().parse_args([command, *submissions, *argv(CHANGED)])) == Settings(**CHANGED)
    default = Settings(timeout=10) if command == "demo" else Settings()  # the demo's cells get 10 s, as before
    assert Settings.from_args(parser().parse_args([command, *submissions])) == default


def test_a_flag_refuses_what_is_not_a_limit(capsys):
    for wrong in (["--jobs", "0"], ["--memory-mb", "-1"], ["--cpu-seconds", "ten"], ["--kernel", "cold"]):
        with pytest.raises(SystemExit) as done:
            parser().parse_args(["demo", *wrong])
        assert done.value.code == 2, wrong
        assert wrong[0] in capsys.readouterr().err


def test_the_kernel_reads_back_what_the_grader_writes():
    env = Settings(**CHANGED).kernel_env()
    assert set(env) == {"GRADING_KERNEL_MEMORY_MB", "GRADING_KERNEL_CPU_SECONDS", "GRADING_KERNEL_PROCESSES",
                        "GRADING_KERNEL_FILE_MB", "GRADING_KERNEL_SCRATCH_MB", "GRADING_KERNEL_SCRATCH_FILES"}
    read = Settings.from_env(env)
    assert {name: getattr(read, name) for name in ("memory_mb", "cpu_seconds", "processes", "file_mb", "scratch_mb",
                                                   "scratch_files")} == {
        "memory_mb": 3000, "cpu_seconds": 77, "processes": 99, "file_mb": 5, "scratch_mb": 64, "scratch_files": 321}


def test_a_kernel_started_outside_a_run_has_no_memory_or_cpu_limit_and_the_default_others():
    read = Settings.from_env({})
    assert (read.memory_mb, read.cpu_seconds) == (0, 0)
    assert (read.processes, read.file_mb, read.scratch_mb, read.scratch_files) == (512, 256, 512, 10_000)


def test_the_nbgrader_arguments_configure_the_execute_step():
    settings = Settings(**CHANGED)
    app = Application()  # nbgrader's AutogradeApp parses its command line as every traitlets application does
    app.parse_command_line(settings.nbgrader_args())
    step = BoundedExecute(config=app.config)
    assert (step.timeout, step.max_cell_chars, step.max_notebook_chars) == (7, 1234, 56789)


LIMITS = ("import json, os, resource\n"
          "print(json.dumps({r: resource.getrlimit(getattr(resource, 'RLIMIT_' + r))[0] for r in "
          "('CPU', 'FSIZE', 'AS', 'NPROC')}))\n"
          "s = os.statvfs('/tmp'); print(s.f_blocks * s.f_frsize // 2**20, s.f_files)")


def kernel_limits(env: dict[str, str], workdir, monkeypatch) -> tuple[dict[str, int], str]:
    """Start one fresh grading kernel with ``env`` in ``workdir``; its resource limits, and its /tmp's MiB and files."""
    with FreshKernels(env) as provider:
        for name, value in provider.env().items():
            monkeypatch.setenv(name, value)  # jupyter_client starts the kernel with this process's environment
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LIMITS)])
        NotebookClient(nb, kernel_name=provider.name, timeout=60,
                       kernel_manager_class=BoundedKernelManager).execute(cwd=str(workdir))
    limits, scratch = nb.cells[0].outputs[0]["text"].splitlines()
    return json.loads(limits), scratch


def test_the_flags_reach_a_real_kernel(tmp_path, monkeypatch):
    settings = Settings.from_args(parser().parse_args(["autograde", str(tmp_path), *argv(CHANGED)]))
    limits, _ = kernel_limits(dict(os.environ, **settings.kernel_env()), tmp_path, monkeypatch)
    assert (limits["CPU"], limits["FSIZE"]) == (77, 5 * 2**20)
    assert 3000 * 2**20 < limits["AS"] < 3000 * 2**20 + 2**32  # plus what the kernel had mapped when it started


@pytest.mark.skipif(not confine.probe().confined or os.geteuid() != 0, reason="needs a confined kernel as root")
def test_the_sandbox_limits_reach_a_confined_kernel(tmp_path, monkeypatch):
    settings = Settings.from_args(parser().parse_args(["autograde", str(tmp_path), *argv(CHANGED)]))
    workdir = tmp_path / "work"
    workdir.mkdir()
    limits, scratch = kernel_limits(dict(course.kernel_env(tmp_path), **settings.kernel_env()), workdir, monkeypatch)
    assert limits["NPROC"] == 99  # processes and threads of the kernel's user
    assert scratch.split() == ["64", "321"]  # its /tmp is the scratch: MiB and files


def test_without_flags_a_kernel_gets_the_limits_of_before(tmp_path, monkeypatch):
    limits, _ = kernel_limits(dict(os.environ, **Settings().kernel_env()), tmp_path, monkeypatch)
    assert (limits["CPU"], limits["FSIZE"]) == (resource.RLIM_INFINITY, 256 * 2**20)
    assert 4096 * 2**20 < limits["AS"] < 4096 * 2**20 + 2**32
