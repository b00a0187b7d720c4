"""The command line as instructors type it: ``--course-dir`` before or after the command, one-line errors,
and an exit status that says whether the command did its work."""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grading import course
from grading.cli import FAILED, OK, USAGE, CommandError, main, parser
from grading.reports.tables import read

REQUIRED = {"autograde": ["."]}  # what a command needs besides options
COMMANDS = ["release", "autograde", "feedback", "export", "report", "demo", "bench", "translate"]


def grading(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m grading ARGS`` as an instructor does."""
    return subprocess.run([sys.executable, "-m", "grading", *args], capture_output=True, text=True,
                          env=course.nbgrader_env(), timeout=600)


def free_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A course released by ``python -m grading release --course-dir DIR``: the option after the command."""
    course_dir = tmp_path_factory.mktemp("cli") / "course"
    done = grading("release", "--course-dir", str(course_dir))
    assert done.returncode == OK, done.stderr[-3000:]
    assert done.stdout.split() == [str(course_dir / "release" / f"{a}.zip") for a in course.assignments()]
    return course_dir


@pytest.mark.parametrize("command", COMMANDS)
def test_course_dir_goes_before_or_after_the_command(command):
    rest = REQUIRED.get(command, [])
    assert parser().parse_args([command, *rest, "--course-dir", "/x/after"]).course_dir == Path("/x/after")
    assert parser().parse_args(["--course-dir", "/x/before", command, *rest]).course_dir == Path("/x/before")
    assert parser().parse_args([command, *rest]).course_dir == course.DEFAULT_COURSE_DIR


def test_release_with_the_course_dir_after_the_command_writes_there(released):
    assert (released / "nbgrader_config.py").exists()
    assert all(course.notebook(released, "release", a).exists() for a in course.assignments())


def parsers() -> dict[str, argparse.ArgumentParser]:
    """The top parser ('') and each command's."""
    top = parser()
    commands = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction)).choices
    return {"": top, **commands}


def test_every_option_and_argument_has_help():
    assert set(parsers()) == {"", *COMMANDS}
    for name, each in parsers().items():
        assert not [a.dest for a in each._actions if not a.help], name


def test_the_help_says_what_the_exit_status_means(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == OK
    shown = " ".join(capsys.readouterr().out.split())
    assert "Exit status: 0 when the command did its work" in shown and "1 when the command failed" in shown


def test_a_student_status_is_no_failure(released, tmp_path):
    assignment = course.assignments()[0]
    broken = tmp_path / "class" / "amy" / assignment / "exercises.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text("{broken")
    done = grading("autograde", str(tmp_path / "class"), "--course-dir", str(released), "--jobs", "1")
    assert done.returncode == OK, done.stderr[-3000:]
    rows = {(r["student"], r["assignment"]): r for r in read(released / "reports" / "grades.csv")}
    assert rows[("amy", assignment)]["status"] == "invalid_notebook"


def test_a_download_of_no_known_assignment_is_a_usage_error(released, tmp_path, capsys):
    download = tmp_path / "download"
    download.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), download / "amy_12_34_exercises.ipynb")  # Canvas's name, no grade_id
    assert main(["autograde", str(download), "--course-dir", str(released)]) == USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: cannot tell which assignment this download is for (no grade_id in common"), err
    assert "Traceback" not in err and "--assignment" in err


def test_an_unreachable_gradebook_fails_in_one_line(tmp_path, capsys):
    url = f"postgresql://grader:secret@127.0.0.1:{free_port()}/gradebook"
    assert main(["release", "--course-dir", str(tmp_path / "course"), "--db-url", url]) == FAILED
    err = capsys.readouterr().err
    assert err.startswith("error: cannot connect to the gradebook at postgresql://grader:***@127.0.0.1:"), err
    assert "secret" not in err and "Traceback" not in err
    assert not (tmp_path / "course").exists()


def test_a_failing_nbgrader_fails_the_command(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.db_url = 'nodb://nowhere'\n")
    done = grading("export", "--course-dir", str(tmp_path))
    assert done.returncode == FAILED, done.stdout + done.stderr
    assert done.stderr.startswith("error: nbgrader export"), done.stderr


def test_a_release_nbgrader_cannot_make_fails_the_command(tmp_path):
    """nbgrader generates the release in this process: its failure is still the command's, with its log."""
    (tmp_path / "gradebook.db").write_text("not a database")
    done = grading("release", "--course-dir", str(tmp_path))
    assert done.returncode == FAILED, done.stdout + done.stderr
    assert done.stderr.startswith(f"error: nbgrader generate_assignment {course.assignments()[0]} failed"), done.stderr
    assert "file is not a database" in done.stderr


def test_a_wrong_command_line_is_status_2(capsys):
    """In this process (``python -m grading`` exits with what main returns or argparse's SystemExit carries; the
    other tests here run it as a command)."""
    for args in (["autograde", "/no/such/folder"], ["grade"], ["demo", "--jobs", "0"]):
        try:
            status: object = main(args)
        except SystemExit as exit:  # argparse's own usage error
            status = exit.code
        err = capsys.readouterr().err
        assert status == USAGE, args
        assert "error: " in err and "Traceback" not in err, args


def test_a_command_error_carries_its_status(capsys):
    error = CommandError("the gradebook is read-only", 3)
    error.show()
    assert (capsys.readouterr().err, error.exit_code) == ("error: the gradebook is read-only\n", 3)
    assert CommandError("x").exit_code == FAILED


def test_report_draws_the_class_from_its_tables(tmp_path):
    """``report`` (the one command that imports matplotlib, lazily) draws the tables an autograde wrote."""
    reports = tmp_path / "course" / "reports"
    reports.mkdir(parents=True)
    (reports / "grades.csv").write_text("student,assignment,score,max_score,status,flags\n"
                                        "ana,01_parameter_access,12,12,ok,\nbo,01_parameter_access,3,12,ok,\n")
    (reports / "questions.csv").write_text("student,assignment,grade_id,score,max_score\n"
                                           "ana,01_parameter_access,test_param_shapes,1,1\n"
                                           "bo,01_parameter_access,test_param_shapes,0,1\n")
    done = grading("report", "--course-dir", str(tmp_path / "course"))
    assert done.returncode == OK, done.stderr[-3000:]
    assert done.stdout.split() == [str(reports / "index.html")]
    for name in ("score_distribution.png", "pass_rates.png"):
        assert (reports / name).read_bytes().startswith(b"\x89PNG"), name
    assert "pass_rates.png" in (reports / "index.html").read_text()
