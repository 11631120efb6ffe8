"""The book's invariants: every notebook is a synced pair, listed once in _toc.yml, stored
without outputs, follows the chapter shape, and no chapter file would be collected by pytest
as a test module."""

from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SOURCES = sorted(BOOK.glob("*.py"))
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = []
    for part in toc.get("parts", []):
        for chapter in part.get("chapters") or []:
            files.append(chapter["file"])
            files += [section["file"] for section in chapter.get("sections", [])]
    return files


def cells(notebook) -> list[tuple]:
    return [
        (cell.cell_type, cell.source.strip(), tuple(cell.metadata.get("tags", [])),
         cell.metadata.get("jupyter", {}).get("source_hidden", False))
        for cell in notebook.cells
    ]


def test_there_are_chapters():
    assert SOURCES, "book/ holds no chapter"
    assert {p.stem for p in SOURCES} == {p.stem for p in NOTEBOOKS}, (
        "every book/X.py needs its book/X.ipynb and back: run `jupytext --to ipynb book/X.py`"
    )


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_pair_is_in_sync(source):
    notebook = source.with_suffix(".ipynb")
    from_py, from_ipynb = jupytext.read(source), jupytext.read(notebook)
    assert cells(from_py) == cells(from_ipynb), (
        f"{notebook.name} differs from {source.name}: edit the .py, then run "
        f"`jupytext --to ipynb --update book/{source.name}`"
    )
    assert from_py.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{source.name} needs a python3 kernelspec in its header"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(notebook):
    stored = nbformat.read(notebook, as_version=4)
    with_outputs = [i for i, c in enumerate(stored.cells) if c.get("outputs")]
    counted = [i for i, c in enumerate(stored.cells) if c.get("execution_count")]
    assert not with_outputs and not counted, (
        f"{notebook.name} holds outputs in cells {with_outputs or counted}: "
        f"strip them (`jupyter nbconvert --clear-output --inplace book/{notebook.name}`)"
    )


def test_every_notebook_is_in_the_toc_exactly_once():
    listed = toc_files()
    for notebook in NOTEBOOKS:
        entry = f"book/{notebook.stem}"
        assert listed.count(entry) == 1, f"{entry} appears {listed.count(entry)} times in _toc.yml"
    for entry in listed:
        assert (ROOT / f"{entry}.ipynb").exists() or (ROOT / f"{entry}.md").exists(), (
            f"_toc.yml lists {entry}, which does not exist"
        )


def test_no_chapter_is_named_like_a_test_module():
    assert not [p.name for p in SOURCES if p.name.startswith("test_")]


def test_colab_instructions_install_from_the_configured_repository():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    intro = (ROOT / "intro.md").read_text()
    assert f'%pip install --no-deps "git+{url}"' in intro, (
        "intro.md's Colab install line must name _config.yml's repository url"
    )


# The shape every chapter follows, in this order (chapter 0 is the template): each landmark
# is a pattern matched against the chapter's cells, markdown or code.
CHAPTER_SHAPE = [
    ("an H1 title", r"^# \S"),
    ("'You will learn'", r"\*\*You will learn\*\*"),
    ("the lab question", r"(?i)lab questions?\b"),
    ("'## Setup'", r"^## Setup\s*$"),
    ("a `parameters` cell", None),
    ("'Your turn'", r"^##+ Your turn"),
    ("'## Summary'", r"^## Summary\s*$"),
    ("'## Exercises'", r"^## Exercises\s*$"),
]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_has_the_books_shape(notebook):
    import re

    chapter = nbformat.read(notebook, as_version=4)
    title = chapter.cells[0].source.strip().splitlines()
    assert title[0].startswith("# ") and len(title) > 1, (
        f"{notebook.name}: the first cell is an H1 title, then a one-line subtitle"
    )

    def first_cell(pattern) -> int | None:
        for index, cell in enumerate(chapter.cells):
            if pattern is None and "parameters" in cell.metadata.get("tags", []):
                return index
            if pattern is not None and cell.cell_type == "markdown" and re.search(
                pattern, cell.source, re.MULTILINE
            ):
                return index
        return None

    found = [(name, first_cell(pattern)) for name, pattern in CHAPTER_SHAPE]
    missing = [name for name, index in found if index is None]
    assert not missing, f"{notebook.name} lacks {', '.join(missing)}"
    order = [index for _, index in found]
    assert order == sorted(order), (
        f"{notebook.name}: the landmarks are out of order: "
        + ", ".join(f"{name} in cell {index}" for name, index in found)
    )
    last = chapter.cells[-1]
    assert (
        last.cell_type == "code"
        and last.source.startswith("device.about_this_run(")
        and "hide-input" in last.metadata.get("tags", [])
        and last.metadata.get("jupyter", {}).get("source_hidden")
    ), (
        f"{notebook.name}: the last cell is the folded 'About this run' cell, "
        '# %% tags=["hide-input"] jupyter={"source_hidden": true} with device.about_this_run(...)'
    )
