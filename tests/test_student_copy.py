"""The teacher's student copy (tools/student_copy.py): the book without its solutions."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import student_copy


def test_strip_solutions_removes_details_and_dropdowns():
    text = (
        "Before.\n\n<details><summary>Solution</summary>\n\n```python\nx = 1\n```\n\n</details>\n\n"
        "```{admonition} Solutions\n:class: dropdown\n1. secret\n```\nAfter."
    )
    assert student_copy.strip_solutions(text) == "Before.\n\nAfter."


def test_student_copy_command_writes_notebooks_without_solutions(tmp_path, capsys):
    book = tmp_path / "book"
    book.mkdir()
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Title"),
            nbformat.v4.new_code_cell("def f():\n    ..."),
            nbformat.v4.new_markdown_cell(
                "<details><summary>Solution</summary>\n\nsecret\n\n</details>"
            ),
        ]
    )
    nbformat.write(notebook, book / "00_x.ipynb")
    out = tmp_path / "student"
    run = subprocess.run(
        [
            sys.executable,
            str(student_copy.ROOT / "tools" / "student_copy.py"),
            str(out),
            "--book",
            str(book),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Wrote 1 notebooks" in run.stdout
    copy = nbformat.read(out / "00_x.ipynb", as_version=4)
    assert [cell.source for cell in copy.cells] == ["# Title", "def f():\n    ..."]
    with pytest.raises(SystemExit) as stopped:
        student_copy.main([str(out), "--book", str(tmp_path / "nowhere")])
    assert stopped.value.code == 2 and "no notebooks in" in capsys.readouterr().err


def test_the_student_copy_keeps_the_exercise_setup_cell_before_its_exercises(tmp_path):
    """Chapter 10's exercises 10.4 and 10.5 share a stand-in backbone defined once, in its
    cell tagged exercise-setup: the student copy keeps it, ahead of both stubs."""
    chapter = Path(__file__).resolve().parent.parent / "book" / "10_transfer_learning.ipynb"
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(chapter, book / chapter.name)
    student_copy.student_copy(book, tmp_path / "student")
    copy = nbformat.read(tmp_path / "student" / chapter.name, as_version=4)
    tagged = [(cell.metadata.get("tags", []), cell.source) for cell in copy.cells]
    setup = [i for i, (tags, _) in enumerate(tagged) if "exercise-setup" in tags]
    users = [i for i, (tags, source) in enumerate(tagged)
             if "exercise" in tags and "stand_in_backbone()" in source]
    assert len(setup) == 1 and "def stand_in_backbone" in tagged[setup[0]][1]
    assert len(users) == 2 and all(i > setup[0] for i in users)
    assert not any("def stand_in_backbone" in tagged[i][1] for i in users)
    assert not any("<details>" in source for _, source in tagged)
