"""Reproducibility: a chapter run twice in quick mode with the same seed on a CPU gives the
same numbers. (GPU kernels may not: the book says which results vary there and why.)"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "benchmarks"))
import notebooks  # noqa: E402  (benchmarks/notebooks.py, the benchmark's runner)


@pytest.mark.parametrize("stem", ["00_getting_started"])
def test_same_seed_same_metrics(stem):
    first = notebooks.run_chapter(BOOK / f"{stem}.ipynb", quick=True)
    second = notebooks.run_chapter(BOOK / f"{stem}.ipynb", quick=True)
    assert first["headline"], f"{stem} defines no headline dict"
    assert first["headline"]["value"] == second["headline"]["value"]


def test_run_chapter_refuses_what_is_not_a_notebook(tmp_path):
    with pytest.raises(ValueError, match="path must be an existing .ipynb file"):
        notebooks.run_chapter(tmp_path / "missing.ipynb", quick=True)
