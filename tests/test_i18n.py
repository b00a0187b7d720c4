"""The Chinese edition is generated from the English notebooks and a catalog that is up to date.

Every markdown cell of every lecture and exercise source notebook has a translation whose hash is that
of the English text it translates; an English cell edited without its translation, or added without
one, fails here (shown on a copy, never on the real notebooks). The edition itself runs under strict
nbval in a plain ``pytest`` (conftest.py generates it into build/zh/).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

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


def test_a_new_english_cell_without_translation_and_an_orphan_entry_are_reported(tmp_path):
    notebook, catalog = copy_with_catalog(tmp_path, ROOT / "solutions" / "02_nested_blocks" / "exercises.ipynb")
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("A new note.", id="new-note"))
    removed = nb.cells.pop(-1)
    nbformat.write(nb, notebook)
    assert problems_of(notebook, catalog) == [
        "cell new-note: no translation", f"cell {removed.id}: translated, but the notebook has no such markdown cell"]
