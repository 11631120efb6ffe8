"""Reproducibility: a chapter run twice in quick mode with the same seed on a CPU gives the
same numbers. (GPU kernels may not: the book says which results vary there and why.)"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "benchmarks"))
import notebooks  # noqa: E402  (benchmarks/notebooks.py, the benchmark's runner)
import run  # noqa: E402  (benchmarks/run.py)


@pytest.mark.parametrize("stem", ["00_getting_started"])
def test_same_seed_same_metrics(stem):
    first = notebooks.run_chapter(BOOK / f"{stem}.ipynb", quick=True)
    second = notebooks.run_chapter(BOOK / f"{stem}.ipynb", quick=True)
    assert first["headline"], f"{stem} defines no headline dict"
    assert first["headline"]["value"] == second["headline"]["value"]


def test_run_chapter_refuses_what_is_not_a_notebook(tmp_path):
    with pytest.raises(ValueError, match="path must be an existing .ipynb file"):
        notebooks.run_chapter(tmp_path / "missing.ipynb", quick=True)


def chaptered_notebook():
    import nbformat

    new_md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return nbformat.v4.new_notebook(cells=[
        new_md("# Title\n\n## The lab question"), new_code("import math"),
        new_md("## Setup"), new_code("SEED = 1", metadata={"tags": ["parameters"]}),
        new_code("setup_done = True"),
        new_md("## A. Needs other data"), new_code("raise RuntimeError('no data')"),
        new_md("## B. Runs alone\n\ntext"), new_md("### a subsection"), new_code("b = 2"),
        new_md("## Summary"), new_code("summary = 3"),
    ])


def test_section_of_keeps_setup_and_the_one_section():
    part = notebooks.section_of(chaptered_notebook(), "B. Runs")
    sources = [cell.source for cell in part.cells]
    assert sources == ["# Title\n\n## The lab question", "import math", "## Setup", "SEED = 1",
                       "setup_done = True", "## B. Runs alone\n\ntext", "### a subsection",
                       "b = 2"]


@pytest.mark.parametrize("heading, message", [
    ("C.", "0 level-2 headings start with 'C.'.*'Setup', 'A. Needs other data'"),
    ("", "4 level-2 headings start with ''"),
])
def test_section_of_refuses_a_heading_it_cannot_find_once(heading, message):
    with pytest.raises(ValueError, match=message):
        notebooks.section_of(chaptered_notebook(), heading)


@pytest.mark.parametrize("key", sorted(run.SECTIONS))
def test_benchmark_sections_run_on_their_own(key):
    """Each part the benchmark runs alone needs nothing from the parts it leaves out."""
    stem, _ = key.split("/")
    heading, headline = run.SECTIONS[key]
    result = notebooks.run_chapter(BOOK / f"{stem}.ipynb", quick=True, section=heading,
                                   headline=headline)
    assert result["headline"]["metric"] and 0 < result["headline"]["value"] <= 1
    assert "fashion_mnist" in result["headline"]["dataset"]
