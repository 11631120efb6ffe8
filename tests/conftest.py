"""Fixtures for the labhelpers unit tests: an empty data home, no system data, no network."""

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from labhelpers import data

# No per-example deadline (a busy machine is slow); the same examples on every run, so CI is
# repeatable. HYPOTHESIS_PROFILE=explore searches wider, to look for new bugs.
settings.register_profile("book", deadline=None, max_examples=60, derandomize=True)
settings.register_profile("explore", deadline=None, max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "book"))


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """An empty data home, no system folders, and every download failing as offline does."""
    home = tmp_path / "home"
    monkeypatch.setenv(data.DATA_HOME_ENV, str(home))
    monkeypatch.setenv(data.SYSTEM_DIRS_ENV, "")
    monkeypatch.setenv("LAB_QUICK", "0")
    calls = []

    def no_network(url, destination, sha256=None):
        calls.append(url)
        raise OSError(f"<urlopen error [Errno -2] Name or service not known> ({url})")

    monkeypatch.setattr(data, "download", no_network)
    return calls


def write_idx(path: Path, array: np.ndarray, compress: bool = True) -> Path:
    """Write ``array`` (uint8) as an IDX file, gzipped when ``compress``."""
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + b"".join(
        struct.pack(">I", size) for size in array.shape
    )
    raw = header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        with gzip.open(path, "wb") as handle:
            handle.write(raw)
    else:
        path.write_bytes(raw)
    return path


def write_idx_folder(folder: Path, n_train: int = 30, n_test: int = 10, seed: int = 0):
    """A small (Fashion-)MNIST-shaped IDX folder; returns the arrays written."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, array in arrays.items():
        write_idx(folder / f"{name}.gz", array)
    return arrays
