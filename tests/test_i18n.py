"""The Chinese edition is generated from the English notebooks and a catalog that is up to date; the checks'
messages have a Chinese translation each.

Every markdown cell of every lecture and exercise source notebook has a translation whose hash is that
of the English text it translates; an English cell edited without its translation, or added without
one, fails here (shown on a copy, never on the real notebooks). The edition itself runs under strict
nbval in a plain ``pytest`` (conftest.py generates it into build/zh/).
"""
from __future__ import annotations

import ast
import re
import shutil
import string
from pathlib import Path
from typing import cast

import nbformat
import pytest
import yaml

from course_checks.language import localise, speaking
from course_checks.messages import CheckFailed
from course_checks.zh import TEMPLATES
from grading import ROOT, i18n
from grading.cli import main


def test_every_catalog_translates_its_notebook():
    assert i18n.stale("zh") == []


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """The Chinese edition generated into a temporary folder."""
    out = tmp_path_factory.mktemp("edition")
    i18n.generate("zh", out)
    return out / "zh"


@pytest.mark.parametrize("source", i18n.sources(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_code_cells_and_outputs_are_the_english_ones(edition, source):
    english = nbformat.read(source, as_version=4)
    chinese = nbformat.read(edition / source.relative_to(ROOT), as_version=4)
    assert [c.id for c in chinese.cells] == [c.id for c in english.cells]
    for en, zh in zip(english.cells, chinese.cells):
        if en.cell_type == "code":
            assert zh == en, f"code cell {en.id} differs"
        else:
            assert zh.source != en.source and zh.metadata == en.metadata
    assert chinese.metadata.course.language == "zh" and i18n.language_of(english) == "en"


def test_the_lectures_draw_in_the_edition_language(edition):
    assert (edition / "notebooks" / "figures.py").read_bytes() == (i18n.LECTURES / "figures.py").read_bytes()
    assert "LANGUAGE = 'zh'" in (edition / "notebooks" / i18n.LANGUAGE_MODULE).read_text()


def test_the_command_line_writes_the_edition_into_build(capsys):
    assert main(["translate", "--lang", "zh"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(i18n.BUILD / "zh" / source.relative_to(ROOT)) for source in i18n.sources()]


def copy_with_catalog(tmp_path: Path, source: Path) -> tuple[Path, Path]:
    """A copy of an English notebook and of its catalog, laid out as in the repository under tmp_path."""
    notebook = tmp_path / source.relative_to(ROOT)
    notebook.parent.mkdir(parents=True)
    shutil.copy(source, notebook)
    catalog = tmp_path / "catalog.yaml"
    shutil.copy(i18n.catalog_path(source, "zh"), catalog)
    return notebook, catalog


def problems_of(notebook: Path, catalog: Path) -> list[str]:
    """What the staleness check says of a notebook and a catalog."""
    return i18n.problems(nbformat.read(notebook, as_version=4), i18n.load_catalog(catalog), "zh")


def test_an_english_cell_edited_without_its_translation_is_stale(tmp_path):
    notebook, catalog = copy_with_catalog(tmp_path, i18n.LECTURES / "01_parameter_access.ipynb")
    assert problems_of(notebook, catalog) == []
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if c.id == "l01-20")
    cell.source = cell.source.replace("running mean", "running average")
    nbformat.write(nb, notebook)
    found = problems_of(notebook, catalog)
    assert found == [f"cell l01-20: stale, the English text changed (its hash is now {i18n.text_hash(cell.source)})"]
    with pytest.raises(i18n.StaleTranslation, match="l01-20: stale"):
        i18n.translate(nb, i18n.load_catalog(catalog), "zh")
    entries = yaml.safe_load(catalog.read_text())
    entries["cells"]["l01-20"]["en"] = i18n.text_hash(cell.source)  # the translator updated the entry
    catalog.write_text(yaml.safe_dump(entries, allow_unicode=True))
    assert problems_of(notebook, catalog) == []


def test_a_new_cell_an_orphan_entry_and_a_locked_markdown_cell_are_reported(tmp_path):
    notebook, catalog = copy_with_catalog(tmp_path, ROOT / "solutions" / "02_nested_blocks" / "exercises.ipynb")
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("A new note.", id="new-note"))
    removed = nb.cells.pop(-1)
    nb.cells[0].metadata["nbgrader"] = {"grade": False, "grade_id": "intro", "locked": True, "solution": False}
    nbformat.write(nb, notebook)
    assert problems_of(notebook, catalog) == [
        f"cell {nb.cells[0].id}: a locked markdown cell, which nbgrader's autograde would put back in English from "
        "its gradebook: leave translated cells unlocked",
        "cell new-note: no translation", f"cell {removed.id}: translated, but the notebook has no such markdown cell"]


# English the checks compare with, never show: a phrase of PyTorch's error a hint is chosen by.
NOT_SHOWN = {"leaf Variable that requires grad"}


def check_messages() -> list[tuple[str, str]]:
    """(file, text) of every message the checks can show: each string of the check modules that is no
    docstring, an f-string's values written X."""
    student = ROOT / "grading" / "student" / "course_checks"
    files = sorted([*student.glob("a0*.py"), student / "structure.py", student / "stats.py", student / "messages.py",
                    *(ROOT / "grading" / "hidden").glob("a0*.py")])
    found = []
    for path in files:
        tree = ast.parse(path.read_text())
        docs = {id(cast(ast.Expr, node.body[0]).value) for node in ast.walk(tree)
                if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and ast.get_docstring(node)}
        inner = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                 for part in ast.walk(node) if part is not node}
        for node in ast.walk(tree):
            if id(node) in docs or id(node) in inner:
                continue
            if isinstance(node, ast.JoinedStr):
                parts = (str(v.value) if isinstance(v, ast.Constant) else "X" for v in node.values)
                found.append((path.name, "".join(parts)))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((path.name, node.value))
    return found


def test_every_english_message_of_the_checks_has_a_chinese_translation():
    """A message with English words in it (two in a row: code and values have none) is translated."""
    prose = [(name, text) for name, text in check_messages()
             if re.search(r"\b[a-z]{2,} [a-z]{2,}\b", text) and text not in NOT_SHOWN]
    assert len(prose) > 250
    with speaking("zh"):
        untranslated = [(name, text) for name, text in prose if localise(text) == text]
    assert untranslated == []


def test_every_translation_takes_the_values_of_its_english_template():
    for english, chinese in TEMPLATES.items():
        fields = [field for _, field, _, _ in string.Formatter().parse(chinese) if field is not None]
        assert sorted(fields) == [str(i) for i in range(english.count("{}"))], english


def test_a_failure_is_shown_in_the_language_spoken_and_english_is_unchanged():
    failure = "count_parameters(net) on the MLP with its first layer frozen"
    hint = "frozen parameters (requires_grad=False) are still parameters: count them too"
    assert str(CheckFailed(failure, 49, 9, hint)).split("\n") == [
        failure, "  expected: 49", "  found:    9", "  hint:     frozen parameters (requires_grad=False) are still "
        "parameters: count", "            them too"]
    with speaking("zh"):
        shown = str(CheckFailed(failure, 49, 9, hint))
    assert shown.split("\n") == ["count_parameters(net)（作用于第一层被冻结的 MLP）", "  期望：    49", "  实际：    9",
                                 "  提示：    冻结的参数（requires_grad=False）仍然是参数：也要统计它们"]
