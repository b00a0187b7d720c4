"""Translated editions of the notebooks, generated from one source: the English notebook plus a catalog.

A catalog (``i18n/<lang>/<notebook path>.yaml``) holds, for each markdown cell of an English
notebook, keyed by the cell's id, the hash of the English text it translates and the translation.
A generated notebook is the English one with its markdown cells replaced by their translations:
code cells and outputs are copied byte for byte, so nbval checks the same outputs in every
language. It is stamped with its language (``metadata.course.language``), which the grader reads
from a submission. A catalog entry whose hash is not that of the English cell is stale: the English
changed and the translation did not (``problems``); generating refuses stale or missing entries.
"""
from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path

import nbformat
import yaml
from nbformat import NotebookNode

from . import ROOT

LANGUAGES = ("en", "zh")
CATALOGS = ROOT / "i18n"
BUILD = ROOT / "build"  # git-ignored: the generated editions, build/<lang>/<the English path>
LECTURES = ROOT / "notebooks"
# The module the lectures' drawing code (notebooks/figures.py) reads its language from, written beside it.
LANGUAGE_MODULE = "course_language.py"


class StaleTranslation(ValueError):
    """A catalog does not translate its English notebook: a markdown cell is missing, stale or unknown."""


def sources() -> list[Path]:
    """The English notebooks that have editions: the lectures and the exercises' source notebooks."""
    return sorted(LECTURES.glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*/exercises.ipynb"))


def text_hash(text: str) -> str:
    """The short hash a catalog entry keeps of the English text it translates."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def catalog_path(notebook: Path, lang: str, root: Path = ROOT) -> Path:
    """``i18n/<lang>/<the notebook's path in the repository, .yaml>``."""
    return CATALOGS / lang / notebook.resolve().relative_to(root).with_suffix(".yaml")


def load_catalog(path: Path) -> dict[str, dict[str, str]]:
    """A catalog's entries: cell id -> {"en": hash of the English text, "<lang>": translation}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return dict((data or {}).get("cells") or {})


def problems(notebook: NotebookNode, catalog: dict[str, dict[str, str]], lang: str) -> list[str]:
    """Why a catalog does not translate a notebook: markdown cells without an entry, stale or empty
    entries, entries for cells the notebook does not have, and locked markdown cells, whose text autograde
    would restore from the (English) source (one line each; none: it is up to date)."""
    found = []
    markdown = {cell.id: cell for cell in notebook.cells if cell.cell_type == "markdown"}
    for cell_id, cell in markdown.items():
        entry = catalog.get(cell_id)
        if entry is None:
            found.append(f"cell {cell_id}: no translation")
        elif entry.get("en") != text_hash(cell.source):
            found.append(f"cell {cell_id}: stale, the English text changed (its hash is now {text_hash(cell.source)})")
        elif not str(entry.get(lang) or "").strip():
            found.append(f"cell {cell_id}: the translation is empty")
        if cell.get("metadata", {}).get("nbgrader", {}).get("locked"):
            found.append(f"cell {cell_id}: a locked markdown cell, which nbgrader's autograde would put back in "
                         "English from its gradebook: leave translated cells unlocked")
    found += [f"cell {cell_id}: translated, but the notebook has no such markdown cell"
              for cell_id in catalog if cell_id not in markdown]
    return found


def stale(lang: str) -> list[str]:
    """Every problem of every catalog of ``lang``, each line naming its notebook (none: the edition can be made)."""
    found = []
    for source in sources():
        catalog = load_catalog(catalog_path(source, lang))
        found += [f"{source.relative_to(ROOT)}: {problem}"
                  for problem in problems(nbformat.read(source, as_version=4), catalog, lang)]
    return found


def translate(notebook: NotebookNode, catalog: dict[str, dict[str, str]], lang: str,
              strict: bool = True) -> NotebookNode:
    """A copy of ``notebook`` with its markdown cells in ``lang``, stamped with the language.

    strict: refuse a catalog with problems. Not strict (a released notebook, whose solution cells nbgrader
    replaced): translate the cells whose English text the catalog knows, leave the others as they are."""
    if strict and (found := problems(notebook, catalog, lang)):
        raise StaleTranslation("; ".join(found))
    translated = copy.deepcopy(notebook)
    for cell in translated.cells:
        entry = catalog.get(cell.get("id", ""))
        if cell.cell_type == "markdown" and entry is not None and entry.get("en") == text_hash(cell.source):
            cell.source = str(entry[lang])
    stamp(translated, lang)
    return translated


def stamp(notebook: NotebookNode, lang: str) -> None:
    """Write the notebook's language where the grader reads it (``metadata.course.language``)."""
    notebook.metadata.setdefault("course", {})["language"] = lang


def language_of(notebook: NotebookNode) -> str:
    """The language a notebook was released in (English when unstamped or unknown)."""
    lang = notebook.get("metadata", {}).get("course", {}).get("language", "en")
    return lang if lang in LANGUAGES else "en"


def generate(lang: str, out: Path = BUILD) -> list[Path]:
    """Write the ``lang`` edition of every lecture and exercise source notebook under ``out/<lang>/``;
    the lectures get their drawing code beside them and a module naming their language."""
    written = []
    for source in sources():
        notebook = nbformat.read(source, as_version=4)
        target = out / lang / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        edition = translate(notebook, load_catalog(catalog_path(source, lang)), lang)
        write_atomically(target, nbformat.writes(edition) + "\n")
        written.append(target)
    lectures = out / lang / LECTURES.relative_to(ROOT)
    write_atomically(lectures / "figures.py", (LECTURES / "figures.py").read_text(encoding="utf-8"))
    write_atomically(lectures / LANGUAGE_MODULE,
                     f'"""Generated by python -m grading translate: the language figures.py draws in."""\n'
                     f"LANGUAGE = {lang!r}\n")
    return written


def release_edition(release: Path, target: Path, source: Path, lang: str) -> Path:
    """Copy nbgrader's (English) student version of an assignment to ``target`` in ``lang``: its notebook's
    markdown translated with the source notebook's catalog and stamped with the language, and its
    ``course_checks/language.py`` naming the language, so the visible tests answer in it."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(release, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    notebook = target / source.name
    edition = translate(nbformat.read(notebook, as_version=4), load_catalog(catalog_path(source, lang)), lang,
                        strict=False)  # nbgrader replaced the solution cells: those keep its stubs
    nbformat.write(edition, notebook)
    setting = target / "course_checks" / "language.py"
    text = setting.read_text(encoding="utf-8")
    if 'LANGUAGE = "en"' not in text:
        raise StaleTranslation(f"{setting} does not say LANGUAGE = \"en\": it cannot be set to {lang!r}")
    setting.write_text(text.replace('LANGUAGE = "en"', f"LANGUAGE = {lang!r}", 1), encoding="utf-8")
    return target


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one step, so a reader (a pytest worker) never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
