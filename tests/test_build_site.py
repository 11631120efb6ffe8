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


def test_datasets_needed_are_read_from_the_chapters():
    needed = build_site.datasets_needed()
    assert needed["cifar10"] == ["07_cnn_cifar10", "08_functional_api", "09_data_augmentation"]
    assert "11_autoencoders" in needed["fashion_mnist"]  # through DATASET = "fashion_mnist"
    assert "10_transfer_learning" in needed["fashion_mnist"]  # part B
    assert "10_transfer_learning" not in needed["cifar10"]  # part A falls back, and says so
    assert "13_backends_pytorch" in needed["mnist"] and "12_shapes_lab" not in needed["mnist"]


def test_full_build_stops_before_running_anything_when_data_is_missing(offline, capsys,
                                                                       monkeypatch):
    monkeypatch.setattr(build_site, "build", lambda *args, **kwargs: pytest.fail("it built"))
    assert build_site.main(["full"]) == 2
    printed = capsys.readouterr().err
    assert "CIFAR-10, needed by 07_cnn_cifar10, 08_functional_api, 09_data_augmentation" in printed
    assert "python -m labhelpers.data --download cifar10" in printed
    assert "--skip-execution 00_getting_started" in printed
    assert len(offline) == 3  # one download tried per dataset (Fashion stops at its first file)
