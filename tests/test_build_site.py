"""tools/build_site.py: the choices it makes before handing over to jupyter-book."""

from pathlib import PurePosixPath

import pytest
import yaml

from tools import build_site

ROOT = build_site.ROOT


def test_skipped_chapters_are_excluded_from_execution_and_nothing_else(monkeypatch, tmp_path):
    monkeypatch.setattr(build_site, "build_dir", lambda mode: tmp_path / mode)
    path = build_site.config_skipping("full", ["07_cnn_cifar10", "09_data_augmentation"])
    written = yaml.safe_load(path.read_text())
    original = yaml.safe_load((ROOT / "_config.yml").read_text())
    patterns = written["execute"].pop("exclude_patterns")
    original["execute"].pop("exclude_patterns")
    assert written == original  # title, repository, timeout... all kept

    def excluded(notebook: str) -> bool:  # how myst-nb matches the patterns
        return any(PurePosixPath(ROOT / notebook).match(p) for p in patterns)

    assert excluded("book/07_cnn_cifar10.ipynb") and excluded("book/09_data_augmentation.ipynb")
    assert not excluded("book/08_functional_api.ipynb")
    assert not excluded("book/00_getting_started.ipynb")


def test_skipping_an_unknown_chapter_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(build_site, "build_dir", lambda mode: tmp_path / mode)
    with pytest.raises(ValueError, match="07_cifar"):
        build_site.config_skipping("full", ["07_cifar"])
